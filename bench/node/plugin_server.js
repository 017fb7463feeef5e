// A trivial Coproxy (and Tyk) gRPC plugin server on Node.js with @grpc/grpc-js, for bench/cpu.py:
// coprocess.Dispatcher loaded from the repository's proto/ files at start-up (no generated code).
// Dispatch returns the object it got with one header added to request.set_headers
// (X-Node-Plugin: pre), whatever the hook name; DispatchEvent answers an empty EventReply.
//
//   npm install --prefix bench/node
//   node bench/node/plugin_server.js 5556
//
// It prints "plugin server ready on port N" once it listens on 127.0.0.1.
'use strict';

const path = require('path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

const PROTO_DIR = path.join(__dirname, '..', '..', 'proto');
const port = process.argv[2] || '5556';

// keepCase: the field names stay as in the .proto files (set_headers, not setHeaders), as Tyk's
// own plugin samples see them; defaults: absent maps and messages arrive as empty ones.
const definition = protoLoader.loadSync(path.join(PROTO_DIR, 'coprocess_object.proto'), {
  keepCase: true, longs: String, enums: String, defaults: true, oneofs: true, includeDirs: [PROTO_DIR],
});
const coprocess = grpc.loadPackageDefinition(definition).coprocess;

function dispatch(call, callback) {
  const object = call.request;
  object.request = object.request || {};
  object.request.set_headers = object.request.set_headers || {};
  object.request.set_headers['X-Node-Plugin'] = 'pre';
  callback(null, object);
}

function dispatchEvent(call, callback) {
  callback(null, {});
}

const server = new grpc.Server();
server.addService(coprocess.Dispatcher.service, { Dispatch: dispatch, DispatchEvent: dispatchEvent });
server.bindAsync(`127.0.0.1:${port}`, grpc.ServerCredentials.createInsecure(), (err, bound) => {
  if (err) {
    console.error(`cannot listen: ${err.message}`);
    process.exit(1);
  }
  console.log(`plugin server ready on port ${bound}`);
});
