"""supportbot: a customer-support chat bot that answers from a company's own documents."""

__version__ = "0.1.0"
