"""A stand-in for llama-cpp-python, on PYTHONPATH only in the keep-alive tests: its
`python -m llama_cpp.server` answers /v1/models like the real server, with no model."""
