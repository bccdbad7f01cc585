package dev.grpo.contracts;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.deser.std.StdDeserializer;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Jackson (de)serialisers for the token arrays of {@link Completion}: packed little-endian base64
 * on write (when chosen), and either packed or plain JSON arrays on read.
 */
final class PackedArrays {
  private PackedArrays() {}

  static SimpleModule module(TokenArrayEncoding encoding) {
    var module = new SimpleModule("grpo-token-arrays");
    if (encoding == TokenArrayEncoding.PACKED_BASE64) {
      module.addSerializer(int[].class, new PackedIntsSerializer());
      module.addSerializer(float[].class, new PackedFloatsSerializer());
    }
    module.addDeserializer(int[].class, new IntsDeserializer());
    module.addDeserializer(float[].class, new FloatsDeserializer());
    return module;
  }

  static byte[] pack(int[] values) {
    var buf = ByteBuffer.allocate(values.length * Integer.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    buf.asIntBuffer().put(values);
    return buf.array();
  }

  static byte[] pack(float[] values) {
    var buf = ByteBuffer.allocate(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    buf.asFloatBuffer().put(values);
    return buf.array();
  }

  static int[] unpackInts(byte[] bytes) {
    var out = new int[bytes.length / Integer.BYTES];
    ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asIntBuffer().get(out);
    return out;
  }

  static float[] unpackFloats(byte[] bytes) {
    var out = new float[bytes.length / Float.BYTES];
    ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
    return out;
  }

  private static final class PackedIntsSerializer extends StdSerializer<int[]> {
    PackedIntsSerializer() {
      super(int[].class);
    }

    @Override
    public void serialize(int[] value, JsonGenerator gen, SerializerProvider provider)
        throws IOException {
      gen.writeBinary(pack(value));
    }
  }

  private static final class PackedFloatsSerializer extends StdSerializer<float[]> {
    PackedFloatsSerializer() {
      super(float[].class);
    }

    @Override
    public void serialize(float[] value, JsonGenerator gen, SerializerProvider provider)
        throws IOException {
      gen.writeBinary(pack(value));
    }
  }

  /** Reads a packed base64 string, or a JSON array of integers. */
  private static final class IntsDeserializer extends StdDeserializer<int[]> {
    IntsDeserializer() {
      super(int[].class);
    }

    @Override
    public int[] deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
      if (p.currentToken() == JsonToken.VALUE_STRING) {
        byte[] bytes = p.getBinaryValue();
        if (bytes.length % Integer.BYTES != 0) {
          return ctxt.reportInputMismatch(
              this,
              "packed int32 array must decode to a multiple of 4 bytes, was %d bytes",
              bytes.length);
        }
        return unpackInts(bytes);
      }
      if (p.currentToken() != JsonToken.START_ARRAY) {
        return ctxt.reportInputMismatch(
            this,
            "expected a base64 string of little-endian int32 or an array of integers, was %s",
            p.currentToken());
      }
      int[] out = new int[64];
      int n = 0;
      for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) {
        if (t != JsonToken.VALUE_NUMBER_INT) {
          return ctxt.reportInputMismatch(this, "element %d must be an integer, was %s", n, t);
        }
        if (n == out.length) {
          out = Arrays.copyOf(out, n * 2);
        }
        out[n++] = p.getIntValue();
      }
      return Arrays.copyOf(out, n);
    }
  }

  /** Reads a packed base64 string, or a JSON array of numbers. */
  private static final class FloatsDeserializer extends StdDeserializer<float[]> {
    FloatsDeserializer() {
      super(float[].class);
    }

    @Override
    public float[] deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
      if (p.currentToken() == JsonToken.VALUE_STRING) {
        byte[] bytes = p.getBinaryValue();
        if (bytes.length % Float.BYTES != 0) {
          return ctxt.reportInputMismatch(
              this,
              "packed float32 array must decode to a multiple of 4 bytes, was %d bytes",
              bytes.length);
        }
        return unpackFloats(bytes);
      }
      if (p.currentToken() != JsonToken.START_ARRAY) {
        return ctxt.reportInputMismatch(
            this,
            "expected a base64 string of little-endian float32 or an array of numbers, was %s",
            p.currentToken());
      }
      float[] out = new float[64];
      int n = 0;
      for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) {
        if (t != JsonToken.VALUE_NUMBER_FLOAT && t != JsonToken.VALUE_NUMBER_INT) {
          return ctxt.reportInputMismatch(this, "element %d must be a number, was %s", n, t);
        }
        if (n == out.length) {
          out = Arrays.copyOf(out, n * 2);
        }
        out[n++] = p.getFloatValue();
      }
      return Arrays.copyOf(out, n);
    }
  }
}
