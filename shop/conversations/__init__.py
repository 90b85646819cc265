"""The assistant's memory and knowledge: stored chat conversations and the shop's policy texts."""
