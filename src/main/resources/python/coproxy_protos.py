"""Builds Tyk's *_pb2 modules at run time from the descriptor set the Coproxy build writes.

Generated Python code is tied to the protobuf runtime it was generated for; building the classes
from descriptors works on Debian's python3-protobuf 3.21 (the PyPI package 4.21) as well as on
PyPI's 5.x, 6.x and 7.x, which dropped MessageFactory.GetPrototype. After install(),
`import coprocess_object_pb2` and the other five module names work as they do under Tyk.
"""

import sys
import types

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
from google.protobuf.internal import enum_type_wrapper


def _class_maker(pool):
    """Descriptor -> message class: GetMessageClass from 4.22 on, GetPrototype before it."""
    make = getattr(message_factory, "GetMessageClass", None)
    if make is not None:
        return make
    factory = message_factory.MessageFactory(pool)
    return factory.GetPrototype


def _in_dependency_order(files):
    pending = list(files)
    added = set()
    ordered = []
    while pending:
        progress = False
        for f in list(pending):
            if all(dep in added for dep in f.dependency):
                ordered.append(f)
                added.add(f.name)
                pending.remove(f)
                progress = True
        if not progress:
            raise ImportError("descriptor set has unresolved imports: %s" % [f.name for f in pending])
    return ordered


def install(desc_path):
    """Registers one module per .proto file (coprocess_object.proto -> coprocess_object_pb2)."""
    files = descriptor_pb2.FileDescriptorSet()
    with open(desc_path, "rb") as handle:
        files.ParseFromString(handle.read())
    pool = descriptor_pool.DescriptorPool()
    make = _class_maker(pool)
    modules = {}
    add_serialized = getattr(pool, "AddSerializedFile", None)
    for proto in _in_dependency_order(files.file):
        if add_serialized is not None:
            add_serialized(proto.SerializeToString())
        else:
            pool.Add(proto)
        descriptor = pool.FindFileByName(proto.name)
        name = proto.name.rsplit("/", 1)[-1][:-len(".proto")] + "_pb2"
        module = types.ModuleType(name, "coprocess messages of %s (built from descriptors)" % proto.name)
        module.DESCRIPTOR = descriptor
        for message_name, message in descriptor.message_types_by_name.items():
            setattr(module, message_name, make(message))
        for enum_name, enum in descriptor.enum_types_by_name.items():
            setattr(module, enum_name, enum_type_wrapper.EnumTypeWrapper(enum))
            for value in enum.values:
                setattr(module, value.name, value.number)
        sys.modules[name] = module
        modules[name] = module
    return modules
