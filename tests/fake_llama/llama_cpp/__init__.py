"""A stand-in for llama-cpp-python, on PYTHONPATH only in the keep-alive tests: its
`python -m llama_cpp.server` answers /v1/models like the real server, with no model."""


class Llama:  # what Dossier's launcher (`agent.model.llama_server`) patches before serving
    def _create_completion(self, *args, **kwargs):
        raise NotImplementedError

    def _init_sampler(self, *args, **kwargs):
        raise NotImplementedError


llama_cpp = None
