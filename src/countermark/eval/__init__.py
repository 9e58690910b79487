"""Quality figures of every pipeline, measured against the synthetic world's ground truth.

This is the only package that reads the truth file.
"""
