"""The std.* actions that ship with the service.

Each class sets ``class_path`` to the class path real Mistral reports for the
same action, so messages that name the class (``Invalid input [name=std.echo,
class=...]``) read the same to a client.
"""
