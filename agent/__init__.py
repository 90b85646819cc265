"""The shopping agent: chat model, prompts, memory and the guards that hold whatever the model says.

`agent.service.ChatAgent` runs one turn for a customer or the owner. The rules that matter (whose cart,
confirmation before writes, names and prices only from tool results, step limit) are enforced here in
code; the prompts in prompts/ only make the model's job easier. `agent.local_llm` is the embedded
OpenAI-compatible model server the agent talks to by default.
"""
