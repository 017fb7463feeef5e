package dev.coproxy.coprocess.lua;

import dev.coproxy.proto.MiniRequestObject;

/**
 * Builders holding a copy of the object and request a Lua hook was given, to make its reply from.
 * Protobuf's {@code toBuilder()} makes a mutable copy of every map field, the empty ones included
 * (seven per request reply), which was the largest share of a Lua hook's cost; these copy only
 * the fields that are set, through the typed setters. {@code ReplyBuildersTest} fills every field
 * of both messages and checks the copy is equal, so a field added to the proto cannot be dropped.
 */
final class ReplyBuilders {

  private ReplyBuilders() {
  }

  static dev.coproxy.proto.Object.Builder of(dev.coproxy.proto.Object object) {
    dev.coproxy.proto.Object.Builder copy = dev.coproxy.proto.Object.newBuilder()
        .setHookTypeValue(object.getHookTypeValue())
        .setHookName(object.getHookName());
    // Message fields are immutable: the builder keeps the reference until a field of them is set.
    if (object.hasRequest()) {
      copy.setRequest(object.getRequest());
    }
    if (object.hasSession()) {
      copy.setSession(object.getSession());
    }
    if (object.getMetadataCount() > 0) {
      copy.putAllMetadata(object.getMetadataMap());
    }
    if (object.getSpecCount() > 0) {
      copy.putAllSpec(object.getSpecMap());
    }
    if (object.hasResponse()) {
      copy.setResponse(object.getResponse());
    }
    return copy;
  }

  static MiniRequestObject.Builder of(MiniRequestObject request) {
    MiniRequestObject.Builder copy = MiniRequestObject.newBuilder()
        .setBody(request.getBody())
        .setUrl(request.getUrl())
        .setMethod(request.getMethod())
        .setRequestUri(request.getRequestUri())
        .setScheme(request.getScheme())
        .setRawBody(request.getRawBody());
    if (request.getHeadersCount() > 0) {
      copy.putAllHeaders(request.getHeadersMap());
    }
    if (request.getSetHeadersCount() > 0) {
      copy.putAllSetHeaders(request.getSetHeadersMap());
    }
    if (request.getDeleteHeadersCount() > 0) {
      copy.addAllDeleteHeaders(request.getDeleteHeadersList());
    }
    if (request.getParamsCount() > 0) {
      copy.putAllParams(request.getParamsMap());
    }
    if (request.getAddParamsCount() > 0) {
      copy.putAllAddParams(request.getAddParamsMap());
    }
    if (request.getExtendedParamsCount() > 0) {
      copy.putAllExtendedParams(request.getExtendedParamsMap());
    }
    if (request.getDeleteParamsCount() > 0) {
      copy.addAllDeleteParams(request.getDeleteParamsList());
    }
    if (request.hasReturnOverrides()) {
      copy.setReturnOverrides(request.getReturnOverrides());
    }
    return copy;
  }
}
