package dev.coproxy.coprocess.lua;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import dev.coproxy.proto.MiniRequestObject;
import org.junit.jupiter.api.Test;

class ReplyBuildersTest {

  // Every field of the message set to a value other than its default, nested messages too.
  private static Message filled(Message.Builder builder, int depth) {
    for (FieldDescriptor field : builder.getDescriptorForType().getFields()) {
      if (field.isMapField()) {
        Message.Builder entry = builder.newBuilderForField(field);
        FieldDescriptor value = entry.getDescriptorForType().findFieldByNumber(2);
        entry.setField(entry.getDescriptorForType().findFieldByNumber(1), "key-" + field.getName());
        entry.setField(value, value(entry, value, depth));
        builder.addRepeatedField(field, entry.build());
      } else if (field.isRepeated()) {
        builder.addRepeatedField(field, value(builder, field, depth));
      } else {
        builder.setField(field, value(builder, field, depth));
      }
    }
    return builder.build();
  }

  private static Object value(Message.Builder parent, FieldDescriptor field, int depth) {
    return switch (field.getJavaType()) {
      case STRING -> "value-" + field.getName();
      case BYTE_STRING -> ByteString.copyFromUtf8("bytes-" + field.getName());
      case BOOLEAN -> true;
      case INT -> 7;
      case LONG -> 7L;
      case FLOAT -> 7f;
      case DOUBLE -> 7d;
      case ENUM -> field.getEnumType().getValues().get(field.getEnumType().getValues().size() - 1);
      case MESSAGE -> depth > 3 ? parent.newBuilderForField(field).build() : filled(parent.newBuilderForField(field), depth + 1);
    };
  }

  @Test
  void theRequestCopyHoldsEveryFieldOfTheRequest() {
    MiniRequestObject request = (MiniRequestObject) filled(MiniRequestObject.newBuilder(), 0);
    assertEquals(request, ReplyBuilders.of(request).build());
    assertEquals(MiniRequestObject.getDefaultInstance(), ReplyBuilders.of(MiniRequestObject.getDefaultInstance()).build());
  }

  @Test
  void theObjectCopyHoldsEveryFieldOfTheObject() {
    dev.coproxy.proto.Object object = (dev.coproxy.proto.Object) filled(dev.coproxy.proto.Object.newBuilder(), 0);
    assertEquals(object, ReplyBuilders.of(object).build());
    assertEquals(dev.coproxy.proto.Object.getDefaultInstance(), ReplyBuilders.of(dev.coproxy.proto.Object.getDefaultInstance()).build());
  }
}
