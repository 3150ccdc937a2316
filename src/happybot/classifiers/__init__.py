"""Text classifiers behind the `classifier` screen: the model happybot ships, any ONNX sequence
classifier, OpenAI's moderation endpoint, Llama Guard on an OpenAI-compatible server."""
