package dev.coproxy.coprocess.lua;

import dev.coproxy.coprocess.CoprocessDriver;
import dev.coproxy.proto.HookType;
import dev.coproxy.proto.MiniRequestObject;
import dev.coproxy.proto.ResponseObject;
import dev.coproxy.proto.SessionState;
import java.util.function.BiFunction;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Varargs;

/**
 * One hook call on the Lua side, in Tyk's global-function contract: the object's request, session,
 * metadata (with the call's trace context) and spec become tables ({@link LuaTables}), the
 * function runs, and what it returns becomes the reply. {@code f(request, session, spec)} returns {@code request, session}; auth
 * checks {@code f(request, session, metadata, spec)} return {@code request, session, metadata};
 * response hooks {@code f(request, response, session, metadata, spec)} return {@code response}.
 */
final class LuaHookCall {

  private LuaHookCall() {
  }

  /**
   * @param invoke runs the function with its arguments (the caller maps Lua's failures)
   */
  static dev.coproxy.proto.Object run(LuaValue function, CoprocessDriver.HookCall call, TykLibrary tyk,
      BiFunction<LuaValue, Varargs, Varargs> invoke) {
    dev.coproxy.proto.Object object = call.object();
    LuaTable request = LuaTables.toLua(object.getRequest());
    LuaValue session = object.hasSession() ? LuaTables.toLua(object.getSession()) : new LuaTable();
    LuaTable metadata = LuaTables.toLua(object.getMetadataMap());
    // The trace context is in the metadata table only: the object is not rebuilt to carry it.
    if (call.traceparent() != null) {
      metadata.set(CoprocessDriver.HookCall.TRACEPARENT, call.traceparent());
      if (call.tracestate() != null) {
        metadata.set(CoprocessDriver.HookCall.TRACESTATE, call.tracestate());
      }
    }
    LuaTable spec = LuaTables.toLua(object.getSpecMap());
    tyk.request(request, call.traceparent(), call.tracestate());
    if (object.getHookType() == HookType.Response) {
      LuaValue response = LuaTables.toLua(object.getResponse());
      Varargs out = invoke.apply(function, LuaValue.varargsOf(new LuaValue[] {request, response, session, metadata, spec}));
      LuaValue returned = out.arg1().istable() ? out.arg1() : response;
      ResponseObject.Builder builder = object.getResponse().toBuilder();
      LuaTables.fromLua(returned, builder);
      return ReplyBuilders.of(object).setResponse(builder).build();
    }
    boolean auth = object.getHookType() == HookType.CustomKeyCheck;
    Varargs out = auth
        ? invoke.apply(function, LuaValue.varargsOf(new LuaValue[] {request, session, metadata, spec}))
        : invoke.apply(function, LuaValue.varargsOf(request, session, spec));
    LuaValue newRequest = out.arg1().istable() ? out.arg1() : request;
    LuaValue newSession = out.arg(2);
    boolean requestChanged = LuaTables.touched(newRequest);
    boolean sessionChanged = newSession.istable() && LuaTables.touched(newSession)
        && (object.hasSession() || LuaTables.hasEntries(newSession));
    if (!requestChanged && !sessionChanged && !auth) {
      // A hook that changed nothing answers with the object it was given: no copy is made.
      return object;
    }
    dev.coproxy.proto.Object.Builder reply = ReplyBuilders.of(object);
    if (requestChanged) {
      MiniRequestObject.Builder builder = ReplyBuilders.of(object.getRequest());
      LuaTables.fromLua(newRequest, builder);
      reply.setRequest(builder);
    }
    if (sessionChanged) {
      SessionState.Builder state = object.getSession().toBuilder();
      LuaTables.fromLua(newSession, state);
      reply.setSession(state);
    }
    if (auth && out.arg(3).istable()) {
      reply.clearMetadata().putAllMetadata(StringMaps.of(out.arg(3)));
    }
    return reply.build();
  }
}
