/**
 * The reference stack, as the existing Node SDK builds it: @grpc/proto-loader
 * loads the project's own .proto files (protobufjs is the codec underneath),
 * and @grpc/grpc-js makes the client from the loaded package definition.
 */
import { fileURLToPath } from "node:url";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";

/** The proto-loader options the old SDK used: snake_case fields, longs as strings, enums as numbers, defaults, virtual oneof fields. */
export const referenceLoaderOptions: protoLoader.Options = {
  keepCase: true,
  longs: String,
  enums: Number,
  defaults: true,
  oneofs: true,
  includeDirs: [fileURLToPath(new URL("../proto", import.meta.url))],
};

const serviceName = "astro.messaging.v1.AgentMessaging";

/** Loads service.proto and returns the package definition and the grpc-js client constructor. */
export function loadReferenceStack(): {
  definition: protoLoader.PackageDefinition;
  Client: grpc.ServiceClientConstructor;
  processConversation: protoLoader.MethodDefinition<object, object>;
} {
  const definition = protoLoader.loadSync(
    "astro/messaging/v1/service.proto",
    referenceLoaderOptions,
  );
  const service = definition[serviceName] as protoLoader.ServiceDefinition;
  const processConversation = service.ProcessConversation as protoLoader.MethodDefinition<
    object,
    object
  >;
  const loaded = grpc.loadPackageDefinition(definition);
  const astro = loaded.astro as grpc.GrpcObject;
  const messaging = astro.messaging as grpc.GrpcObject;
  const v1 = messaging.v1 as grpc.GrpcObject;
  const Client = v1.AgentMessaging as grpc.ServiceClientConstructor;
  return { definition, Client, processConversation };
}
