from happybot.cli import main

main()
