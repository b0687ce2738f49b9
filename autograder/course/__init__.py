"""Instructor-only tools: author what is derived from the references (the solution notebook's
cells, the public data), build the student release, shard a class across machines.
"""
