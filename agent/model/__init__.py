"""The language model: the openai+instructor client (`llm.LLM`), and the embedded GGUF model,
assembled and served (`local.model_endpoint`). Import the module you need: `llm` loads the
openai client, which a question answered from stored records never needs."""
