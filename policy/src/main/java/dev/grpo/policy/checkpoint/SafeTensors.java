package dev.grpo.policy.checkpoint;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The safetensors format: an 8-byte little-endian header length, a JSON header naming each tensor's
 * dtype, shape and byte range, then the raw little-endian bytes.
 *
 * <p>Reads memory-map the file (so files over 2 GiB load; a single tensor over 2 GiB is mapped in
 * row chunks). F32 loads as is; F16 and BF16 are widened to F32 in Java, because a BF16 NDArray
 * crashes this engine. Writes store F32 (or F16) tensors with {@code format=pt} metadata, which
 * Hugging Face transformers requires.
 */
public final class SafeTensors {

  /** Name of a single-file checkpoint's weights. */
  public static final String SINGLE_FILE = "model.safetensors";

  /** Name of the index of a sharded checkpoint. */
  public static final String INDEX_FILE = "model.safetensors.index.json";

  private static final ObjectMapper JSON = new ObjectMapper();

  /** The format's own cap on the header, against corrupt files. */
  private static final long MAX_HEADER_BYTES = 100L * 1024 * 1024;

  private static final long MAX_CHUNK_BYTES = 1L << 30;

  private SafeTensors() {}

  /** One tensor's entry in a safetensors header. */
  public record TensorInfo(String dtype, long[] shape, long begin, long end) {
    /** Number of elements. */
    public long elements() {
      long n = 1;
      for (long d : shape) {
        n *= d;
      }
      return n;
    }
  }

  /** Header of one safetensors file: tensors in file order, and the free-form metadata. */
  public record Header(
      Map<String, TensorInfo> tensors, Map<String, String> metadata, long dataStart) {}

  /** Tensors read from disk, owned by {@link #manager()}; close to free them. */
  public record Contents(
      Map<String, NDArray> tensors, Map<String, String> metadata, NDManager manager)
      implements AutoCloseable {
    @Override
    public void close() {
      manager.close();
    }
  }

  /** Reads a file, or the index of a sharded checkpoint, into a new CPU manager. */
  public static Contents read(Path file) {
    NDManager manager = NDManager.newBaseManager(ai.djl.Device.cpu(), "PyTorch");
    try {
      Map<String, String> meta = new LinkedHashMap<>();
      Map<String, NDArray> tensors = read(file, manager, meta);
      return new Contents(tensors, meta, manager);
    } catch (RuntimeException e) {
      manager.close();
      throw e;
    }
  }

  /**
   * Reads all tensors of {@code file} as float32 into {@code manager}. When {@code file} is a
   * {@value #INDEX_FILE}, reads every shard it names. Metadata is added to {@code metadataOut} when
   * it is not null.
   */
  public static Map<String, NDArray> read(
      Path file, NDManager manager, Map<String, String> metadataOut) {
    if (file.getFileName().toString().endsWith(".index.json")) {
      return readSharded(file, manager, metadataOut);
    }
    Header header = header(file);
    if (metadataOut != null) {
      metadataOut.putAll(header.metadata());
    }
    Map<String, NDArray> out = new LinkedHashMap<>();
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      for (var e : header.tensors().entrySet()) {
        out.put(e.getKey(), load(ch, header.dataStart(), e.getKey(), e.getValue(), manager, file));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
    return out;
  }

  private static Map<String, NDArray> readSharded(
      Path index, NDManager manager, Map<String, String> metadataOut) {
    JsonNode root = readJson(index);
    JsonNode map = root.get("weight_map");
    if (map == null || !map.isObject()) {
      throw new IllegalArgumentException(index + ": weight_map must be an object");
    }
    TreeMap<String, List<String>> byShard = new TreeMap<>();
    map.fields()
        .forEachRemaining(
            e ->
                byShard
                    .computeIfAbsent(e.getValue().asText(), k -> new ArrayList<>())
                    .add(e.getKey()));
    Map<String, NDArray> out = new LinkedHashMap<>();
    for (var shard : byShard.entrySet()) {
      Map<String, NDArray> part = read(index.resolveSibling(shard.getKey()), manager, metadataOut);
      for (String name : shard.getValue()) {
        NDArray t = part.remove(name);
        if (t == null) {
          throw new IllegalArgumentException(
              index + " maps " + name + " to " + shard.getKey() + ", which does not contain it");
        }
        out.put(name, t);
      }
      part.values().forEach(NDArray::close);
    }
    return out;
  }

  /**
   * Parses only the header of a file (dtypes, shapes, byte ranges), e.g. to inspect a checkpoint.
   *
   * @throws IllegalArgumentException when the file is missing or malformed
   */
  public static Header header(Path file) {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      long size = ch.size();
      ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
      readFully(ch, lenBuf, 0);
      long n = lenBuf.flip().getLong();
      if (n <= 0 || n > MAX_HEADER_BYTES || 8 + n > size) {
        throw new IllegalArgumentException(
            file
                + ": header length must be in (0, "
                + Math.min(MAX_HEADER_BYTES, size - 8)
                + "], was "
                + n
                + " (not a safetensors file?)");
      }
      ByteBuffer hb = ByteBuffer.allocate((int) n);
      readFully(ch, hb, 8);
      JsonNode root = JSON.readTree(new String(hb.array(), StandardCharsets.UTF_8));
      Map<String, TensorInfo> tensors = new LinkedHashMap<>();
      Map<String, String> meta = new LinkedHashMap<>();
      long dataStart = 8 + n;
      for (var it = root.fields(); it.hasNext(); ) {
        var e = it.next();
        if (e.getKey().equals("__metadata__")) {
          e.getValue().fields().forEachRemaining(m -> meta.put(m.getKey(), m.getValue().asText()));
          continue;
        }
        JsonNode t = e.getValue();
        JsonNode shapeNode = t.get("shape");
        long[] shape = new long[shapeNode.size()];
        for (int i = 0; i < shape.length; i++) {
          shape[i] = shapeNode.get(i).asLong();
        }
        TensorInfo info =
            new TensorInfo(
                t.path("dtype").asText(),
                shape,
                t.get("data_offsets").get(0).asLong(),
                t.get("data_offsets").get(1).asLong());
        long expected = info.elements() * bytesPer(info.dtype(), e.getKey(), file);
        if (info.end() - info.begin() != expected || dataStart + info.end() > size) {
          throw new IllegalArgumentException(
              file
                  + ": tensor "
                  + e.getKey()
                  + " has byte range ["
                  + info.begin()
                  + ", "
                  + info.end()
                  + ") but its dtype and shape need "
                  + expected
                  + " bytes within a file of "
                  + size);
        }
        tensors.put(e.getKey(), info);
      }
      return new Header(tensors, meta, dataStart);
    } catch (NoSuchFileException e) {
      throw new IllegalArgumentException("safetensors file not found: " + file);
    } catch (IOException e) {
      throw new IllegalArgumentException(
          file + ": not a readable safetensors file: " + e.getMessage(), e);
    }
  }

  private static NDArray load(
      FileChannel ch, long dataStart, String name, TensorInfo info, NDManager manager, Path file)
      throws IOException {
    long total = info.end() - info.begin();
    Shape shape = new Shape(info.shape());
    if (total <= MAX_CHUNK_BYTES || info.shape().length == 0) {
      var mapped = ch.map(FileChannel.MapMode.READ_ONLY, dataStart + info.begin(), total);
      return toFloat32(mapped.order(ByteOrder.LITTLE_ENDIAN), info.dtype(), shape, manager);
    }
    // A tensor too big for one ByteBuffer: map whole rows in chunks and concatenate.
    long rowBytes = total / info.shape()[0];
    long rowsPerChunk = Math.max(1, MAX_CHUNK_BYTES / rowBytes);
    List<NDArray> parts = new ArrayList<>();
    try (NDManager tmp = manager.newSubManager()) {
      for (long r = 0; r < info.shape()[0]; r += rowsPerChunk) {
        long rows = Math.min(rowsPerChunk, info.shape()[0] - r);
        long[] partShape = info.shape().clone();
        partShape[0] = rows;
        var mapped =
            ch.map(
                FileChannel.MapMode.READ_ONLY,
                dataStart + info.begin() + r * rowBytes,
                rows * rowBytes);
        parts.add(
            toFloat32(
                mapped.order(ByteOrder.LITTLE_ENDIAN), info.dtype(), new Shape(partShape), tmp));
      }
      NDArray joined = ai.djl.ndarray.NDArrays.concat(new ai.djl.ndarray.NDList(parts), 0);
      joined.attach(manager);
      return joined;
    }
  }

  private static NDArray toFloat32(ByteBuffer src, String dtype, Shape shape, NDManager manager) {
    switch (dtype) {
      case "F32":
        return manager.create(src, shape, DataType.FLOAT32);
      case "F16":
      case "BF16":
        {
          int n = src.remaining() / 2;
          ByteBuffer dst = ByteBuffer.allocateDirect(n * 4).order(ByteOrder.nativeOrder());
          var f = dst.asFloatBuffer();
          boolean bf16 = dtype.equals("BF16");
          for (int i = 0; i < n; i++) {
            short bits = src.getShort(src.position() + 2 * i);
            f.put(i, bf16 ? Float.intBitsToFloat((bits & 0xffff) << 16) : halfToFloat(bits));
          }
          return manager.create(dst, shape, DataType.FLOAT32);
        }
      default:
        throw new IllegalStateException("unreachable dtype " + dtype);
    }
  }

  /** IEEE 754 binary16 to float (Java 17 has no Float.float16ToFloat). */
  static float halfToFloat(short h) {
    int bits = h & 0xffff;
    int sign = (bits & 0x8000) << 16;
    int exp = (bits >>> 10) & 0x1f;
    int mant = bits & 0x3ff;
    if (exp == 0x1f) {
      return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
    }
    if (exp == 0) {
      if (mant == 0) {
        return Float.intBitsToFloat(sign);
      }
      // Subnormal half: mant * 2^-24.
      float v = mant * 0x1p-24f;
      return sign != 0 ? -v : v;
    }
    return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
  }

  private static int bytesPer(String dtype, String name, Path file) {
    switch (dtype) {
      case "F32":
        return 4;
      case "F16":
      case "BF16":
        return 2;
      default:
        throw new IllegalArgumentException(
            file
                + ": tensor "
                + name
                + " has dtype "
                + dtype
                + "; supported dtypes are F32, F16, BF16");
    }
  }

  /**
   * Writes tensors (F32 or F16; anything else is converted to F32) in the given order, with {@code
   * format=pt} added to the metadata. Not atomic by itself: {@link HfCheckpoint#save} writes into a
   * temporary directory.
   */
  public static void write(Path file, Map<String, NDArray> tensors, Map<String, String> metadata) {
    ObjectNode header = JSON.createObjectNode();
    ObjectNode meta = header.putObject("__metadata__");
    meta.put("format", "pt");
    if (metadata != null) {
      metadata.forEach(meta::put);
    }
    List<ByteBuffer> data = new ArrayList<>();
    long offset = 0;
    for (var e : tensors.entrySet()) {
      NDArray t = e.getValue();
      String dtype;
      ByteBuffer bytes;
      if (t.getDataType() == DataType.FLOAT16) {
        dtype = "F16";
        bytes = t.toByteBuffer();
      } else if (t.getDataType() == DataType.FLOAT32) {
        dtype = "F32";
        bytes = t.toByteBuffer();
      } else {
        dtype = "F32";
        try (NDArray f = t.toType(DataType.FLOAT32, true)) {
          bytes = f.toByteBuffer();
        }
      }
      bytes = bytes.duplicate().order(ByteOrder.nativeOrder());
      if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
        throw new UnsupportedOperationException(
            "safetensors writing needs a little-endian platform");
      }
      ObjectNode entry = header.putObject(e.getKey());
      entry.put("dtype", dtype);
      var shape = entry.putArray("shape");
      for (long d : t.getShape().getShape()) {
        shape.add(d);
      }
      entry.putArray("data_offsets").add(offset).add(offset + bytes.remaining());
      offset += bytes.remaining();
      data.add(bytes);
    }
    byte[] json;
    try {
      json = JSON.writeValueAsBytes(header);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    // Pad the header with spaces so the data starts 8-byte aligned, as the reference writer does.
    int padded = (json.length + 7) / 8 * 8;
    ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
    head.putLong(padded).put(json);
    while (head.hasRemaining()) {
      head.put((byte) ' ');
    }
    head.flip();
    try (FileChannel ch =
        FileChannel.open(
            file,
            StandardOpenOption.CREATE,
            StandardOpenOption.WRITE,
            StandardOpenOption.TRUNCATE_EXISTING)) {
      writeFully(ch, head);
      for (ByteBuffer b : data) {
        writeFully(ch, b);
      }
      ch.force(true);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }

  private static JsonNode readJson(Path file) {
    try {
      return JSON.readTree(Files.readAllBytes(file));
    } catch (NoSuchFileException e) {
      throw new IllegalArgumentException("file not found: " + file);
    } catch (IOException e) {
      throw new IllegalArgumentException(file + " is not valid JSON: " + e.getMessage());
    }
  }

  private static void readFully(FileChannel ch, ByteBuffer buf, long pos) throws IOException {
    while (buf.hasRemaining()) {
      int r = ch.read(buf, pos);
      if (r < 0) {
        throw new IOException("unexpected end of file");
      }
      pos += r;
    }
  }

  private static void writeFully(FileChannel ch, ByteBuffer buf) throws IOException {
    while (buf.hasRemaining()) {
      ch.write(buf);
    }
  }
}
