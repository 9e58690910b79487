"""The HTTP plumbing every router needs: request dependencies, error handlers, templating, charts."""
