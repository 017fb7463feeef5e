package dev.coproxy.coprocess.lua;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.coproxy.proto.HookType;
import dev.coproxy.proto.MiniRequestObject;
import dev.coproxy.proto.ReturnOverrides;
import dev.coproxy.proto.SessionState;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.luaj.vm2.Globals;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.lib.jse.JsePlatform;

class LuaTablesTest {

  private static final Globals LUA = JsePlatform.standardGlobals();

  private static MiniRequestObject request() {
    byte[] binary = new byte[256];
    for (int i = 0; i < binary.length; i++) {
      binary[i] = (byte) i;
    }
    return MiniRequestObject.newBuilder()
        .putHeaders("Content-Type", "application/json")
        .putParams("a", "1")
        .addDeleteHeaders("X-Old")
        .setUrl("/x?a=1")
        .setMethod("POST")
        .setRawBody(ByteString.copyFrom(binary))
        .setReturnOverrides(ReturnOverrides.newBuilder().setResponseCode(-1))
        .build();
  }

  @Test
  void fieldsUseTheProtoNames() {
    LuaTable table = LuaTables.toLua(request());
    assertEquals("application/json", table.get("headers").get("Content-Type").tojstring());
    assertEquals("1", table.get("params").get("a").tojstring());
    assertEquals("X-Old", table.get("delete_headers").get(1).tojstring());
    assertEquals("/x?a=1", table.get("url").tojstring());
    assertEquals(-1, table.get("return_overrides").get("response_code").toint());
    assertTrue(table.get("set_headers").istable(), "empty maps are tables a script can write into");
    assertEquals(256, table.get("raw_body").length());
  }

  @Test
  void anUntouchedTableComesBackEqual() {
    MiniRequestObject original = request();
    MiniRequestObject.Builder back = original.toBuilder();
    LuaTables.fromLua(LuaTables.toLua(original), back);
    assertEquals(original, back.build());
    // Every field converted (as pairs does) and read into an empty builder: the same message.
    LuaTable table = LuaTables.toLua(original);
    table.next(org.luaj.vm2.LuaValue.NIL);
    MiniRequestObject.Builder fresh = MiniRequestObject.newBuilder();
    LuaTables.fromLua(table, fresh);
    assertEquals(original, fresh.build());
  }

  @Test
  void fieldsBecomeLuaValuesOnlyWhenRead() {
    MiniRequestObject original = request();
    LuaTable table = LuaTables.toLua(original);
    assertFalse(LuaTables.touched(table));
    assertEquals(original.getMethod(), table.get("method").tojstring());
    assertTrue(LuaTables.touched(table));
    table.get("set_headers").set("X-New", "1");
    MiniRequestObject.Builder back = MiniRequestObject.newBuilder();
    LuaTables.fromLua(table, back);
    assertEquals(MiniRequestObject.newBuilder().setMethod(original.getMethod()).putSetHeaders("X-New", "1").build(), back.build(),
        "only the two fields read come back");
  }

  @Test
  void binaryBytesSurviveALuaRoundTrip() {
    LuaTable table = LuaTables.toLua(request());
    LUA.load("local t = ...; t.raw_body = string.reverse(string.reverse(t.raw_body))").call(table);
    MiniRequestObject.Builder back = request().toBuilder().clearRawBody();
    LuaTables.fromLua(table, back);
    assertEquals(request().getRawBody(), back.getRawBody());
  }

  @Test
  void scriptChangesAreReadBack() {
    LuaTable table = LuaTables.toLua(SessionState.getDefaultInstance());
    LUA.load("local s = ...; s.rate = 10; s.per = 1.5; s.quota_max = 5000000000; s.metadata = {user = 'ann'};"
        + " s.tags = {'a', 'b'}; s.is_inactive = true; s.access_rights = {api1 = {api_name = 'one', versions = {'v1'}}}").call(table);
    SessionState.Builder back = SessionState.newBuilder();
    LuaTables.fromLua(table, back);
    SessionState session = back.build();
    assertEquals(10, session.getRate());
    assertEquals(1.5, session.getPer());
    assertEquals(5_000_000_000L, session.getQuotaMax());
    assertEquals("ann", session.getMetadataOrThrow("user"));
    assertEquals(java.util.List.of("a", "b"), session.getTagsList());
    assertTrue(session.getIsInactive());
    assertEquals("one", session.getAccessRightsOrThrow("api1").getApiName());
    assertEquals("v1", session.getAccessRightsOrThrow("api1").getVersions(0));
  }

  @Test
  void wrongTypesAndUnknownKeysAreIgnored() {
    LuaTable table = new LuaTable();
    table.set("rate", "not a number");
    table.set("no_such_field", 1);
    table.set("org_id", LuaValue.valueOf(7));
    SessionState.Builder back = SessionState.newBuilder().setRate(3);
    LuaTables.fromLua(table, back);
    assertEquals(3, back.getRate());
    assertEquals("7", back.getOrgId(), "a number where a string is expected becomes its text, as in Lua");
  }

  @Test
  void enumsAreNumbers() {
    dev.coproxy.proto.Object object = dev.coproxy.proto.Object.newBuilder().setHookType(HookType.CustomKeyCheck).build();
    LuaTable table = LuaTables.toLua(object);
    assertEquals(4, table.get("hook_type").toint());
    table.set("hook_type", 5);
    dev.coproxy.proto.Object.Builder back = dev.coproxy.proto.Object.newBuilder();
    LuaTables.fromLua(table, back);
    assertEquals(HookType.Response, back.getHookType());
  }

  @Test
  void emptyTablesHaveNoEntries() {
    assertFalse(LuaTables.hasEntries(new LuaTable()));
    assertFalse(LuaTables.hasEntries(LuaValue.NIL));
    LuaTable one = new LuaTable();
    one.set("rate", 1);
    assertTrue(LuaTables.hasEntries(one));
  }

  @Test
  void jsonBecomesTables() {
    LuaValue value = LuaTables.fromJson(new JsonObject().put("Type", "AuthFailure").put("Meta", new JsonObject().put("n", 2))
        .put("list", new io.vertx.core.json.JsonArray().add("x")));
    assertEquals("AuthFailure", value.get("Type").tojstring());
    assertEquals(2, value.get("Meta").get("n").toint());
    assertEquals("x", value.get("list").get(1).tojstring());
  }
}
