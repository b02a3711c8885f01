from django.apps import AppConfig


class ProjectConfig(AppConfig):
    """The project itself as an app, for the commands that span rooms (`clb load-reference`,
    `clb load-demo`): they fill every room, so no room can hold them without importing the rooms
    above it. Like clb/demo.py, they stand above all rooms (ARCHITECTURE.md)."""

    name = "clb"
    verbose_name = "CLB"
