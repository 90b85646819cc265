"""Messages between the shop and people: every outgoing email, the contact form and the owner's inbox."""
