# Written by `coproxy plugin sdk`; running it again rewrites this file.
"""Stands in for the generated module: importing it builds all the coprocess *_pb2 modules from
coprocess.desc (see coproxy_sdk.py) and the import then yields the built module."""

import coproxy_sdk

coproxy_sdk.install()
