"""Reusable views: the body of each page, also embedded by the lecture walk (pages stay thin)."""
