"""Numbered documents issued on a case (提示函, 意见书, 建议书, 调解协议书 ...)."""
