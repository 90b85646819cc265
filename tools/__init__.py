"""LangChain tools: thin, typed wrappers over the shop's services, one list per role.

`tools.customer.CUSTOMER_TOOLS` and `tools.owner.OWNER_TOOLS` never overlap, and who the customer is
comes from the runtime context (`tools.context.ToolContext`), never from a tool argument.
"""
