"""The embedded local LLM: a GGUF joined from PyPI part packages, served as an OpenAI-compatible endpoint.

The app reaches it through langchain-openai's ChatOpenAI (base_url=http://127.0.0.1:<port>/v1), the
same code path as a hosted model; see README.md in this folder for figures and install lines.
"""
