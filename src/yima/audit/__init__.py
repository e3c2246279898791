"""The hash-chained audit log (审计日志): every state change, appended in its own transaction."""
