// _cpp_messages: protoc's C++ classes of MLMD's protos, for python3-protobuf's
// `cpp` implementation (docs/python.md, "The C++ message accelerator").
//
// Messages of a pure-Python _pb2 module are, under the cpp implementation,
// dynamic messages parsed and serialized through reflection. When the file's
// descriptor is already in libprotobuf's generated pool, the cpp
// implementation takes it from there and builds its messages from the
// generated classes, whose parsers are compiled code. Loading this module
// (before the _pb2 modules) is what puts MLMD's files into the generated
// pool: the generated .pb.cc files linked into it register their descriptors
// when the module is loaded. The module has no state of its own; it offers
// two checks for ml_metadata/_cpp.py:
//   file_descriptor(name): the serialized FileDescriptorProto of a file
//     compiled in (None for any other name), to compare with the bytes the
//     _pb2 module adds to the pool: both must come from the same .proto;
//   backed_by_generated(message, path): whether a Python message is an
//     instance of the generated class (True/False), or None when it cannot be
//     told (this build of protobuf's _message module, at `path`, does not
//     export its hook to the C++ message inside a Python one).
// FILES lists the .proto files compiled in.

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <dlfcn.h>

#include <string>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/descriptor.pb.h>
#include <google/protobuf/message.h>

#include "ml_metadata/proto/metadata_store.pb.h"
#include "ml_metadata/proto/metadata_store_service.pb.h"

namespace {

namespace pb = google::protobuf;

const char *const kFiles[] = {
    "ml_metadata/proto/metadata_store.proto",
    "ml_metadata/proto/metadata_store_service.proto",
};

// The hook python's _message module sets at import: a pointer to a function
// returning the C++ message inside a Python message (NULL for anything else).
// Declared by protobuf's python/google/protobuf/python_protobuf.h, which
// Debian does not install; this is its mangled name.
const char kHookSymbol[] = "_ZN6google8protobuf6python25GetCProtoInsidePyProtoPtrE";
typedef const pb::Message *(*InsideFn)(PyObject *);

PyObject *file_descriptor(PyObject *, PyObject *arg) {
  const char *name = PyUnicode_AsUTF8(arg);
  if (name == nullptr) return nullptr;
  bool ours = false;
  for (const char *f : kFiles) ours = ours || std::string(f) == name;
  const pb::FileDescriptor *file =
      ours ? pb::DescriptorPool::generated_pool()->FindFileByName(name) : nullptr;
  if (file == nullptr) Py_RETURN_NONE;
  pb::FileDescriptorProto proto;
  file->CopyTo(&proto);
  std::string bytes;
  if (!proto.SerializeToString(&bytes)) {
    PyErr_Format(PyExc_RuntimeError, "_cpp_messages: cannot serialize %s", name);
    return nullptr;
  }
  return PyBytes_FromStringAndSize(bytes.data(), (Py_ssize_t)bytes.size());
}

PyObject *backed_by_generated(PyObject *, PyObject *args) {
  PyObject *message;
  const char *path;
  if (!PyArg_ParseTuple(args, "Os", &message, &path)) return nullptr;
  // RTLD_NOLOAD: only the copy python has loaded already, never a second one.
  void *lib = dlopen(path, RTLD_LAZY | RTLD_NOLOAD);
  if (lib == nullptr) Py_RETURN_NONE;
  void *hook = dlsym(lib, kHookSymbol);
  dlclose(lib);  // still loaded: python holds its own reference
  InsideFn inside = hook != nullptr ? *static_cast<InsideFn *>(hook) : nullptr;
  const pb::Message *m = inside != nullptr ? inside(message) : nullptr;
  if (m == nullptr) {
    PyErr_Clear();
    Py_RETURN_NONE;
  }
  // A message of the generated class shares the reflection of its class's
  // default instance, found through this module's libprotobuf; a dynamic
  // message (or one of another libprotobuf's pool) does not.
  const pb::Descriptor *d = m->GetDescriptor();
  if (d->file()->pool() != pb::DescriptorPool::generated_pool()) Py_RETURN_FALSE;
  const pb::Message *prototype = pb::MessageFactory::generated_factory()->GetPrototype(d);
  return PyBool_FromLong(prototype != nullptr &&
                         prototype->GetReflection() == m->GetReflection());
}

PyMethodDef methods[] = {
    {"file_descriptor", file_descriptor, METH_O,
     "file_descriptor(name) -> the serialized FileDescriptorProto of a .proto "
     "file compiled into this module, None for any other name"},
    {"backed_by_generated", backed_by_generated, METH_VARARGS,
     "backed_by_generated(message, message_module_path) -> True when the "
     "Python message is an instance of the generated C++ class, False when "
     "not, None when it cannot be told"},
    {nullptr, nullptr, 0, nullptr},
};

PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_cpp_messages",
    "Generated C++ classes of MLMD's protos for the cpp protobuf backend.", -1,
    methods, nullptr, nullptr, nullptr, nullptr,
};

}  // namespace

PyMODINIT_FUNC PyInit__cpp_messages(void) {
  // Make sure the generated files are in the pool before any _pb2 module
  // asks for them (their registration runs at load; this also builds them).
  (void)ml_metadata::Artifact::descriptor();
  (void)ml_metadata::GetArtifactsByIDResponse::descriptor();
  PyObject *m = PyModule_Create(&module);
  if (m == nullptr) return nullptr;
  PyObject *files = PyTuple_New(sizeof kFiles / sizeof kFiles[0]);
  if (files == nullptr) {
    Py_DECREF(m);
    return nullptr;
  }
  for (size_t i = 0; i < sizeof kFiles / sizeof kFiles[0]; i++) {
    PyObject *s = PyUnicode_FromString(kFiles[i]);
    if (s == nullptr) {
      Py_DECREF(files);
      Py_DECREF(m);
      return nullptr;
    }
    PyTuple_SET_ITEM(files, (Py_ssize_t)i, s);
  }
  if (PyModule_AddObject(m, "FILES", files) < 0) {
    Py_DECREF(files);
    Py_DECREF(m);
    return nullptr;
  }
  return m;
}
