"""The language model: the openai+instructor client, and the embedded GGUF model and its server."""
