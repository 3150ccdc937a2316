"""What people and the circuit breaker do to a running campaign: review, retract, modes,
incidents, users, the breaker and the counters they read. One function per action, called by
the CLI and the dashboard alike."""
