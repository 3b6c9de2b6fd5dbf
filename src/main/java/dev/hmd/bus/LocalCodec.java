package dev.hmd.bus;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageCodec;

/**
 * Passes immutable records by reference: the bus is local to a process (processes share only
 * the database), so messages never cross a wire.
 */
public final class LocalCodec implements MessageCodec<Record, Record> {

  public static final String NAME = "hmd-local";

  /** Registers the codec and routes every record of {@link Messages} through it. */
  public static void register(Vertx vertx) {
    vertx.eventBus().registerCodec(new LocalCodec());
    vertx.eventBus().codecSelector(body -> body instanceof Record ? NAME : null);
  }

  @Override
  public void encodeToWire(Buffer buffer, Record record) {
    throw new UnsupportedOperationException("hmd messages are local to one process");
  }

  @Override
  public Record decodeFromWire(int pos, Buffer buffer) {
    throw new UnsupportedOperationException("hmd messages are local to one process");
  }

  @Override
  public Record transform(Record record) {
    return record;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public byte systemCodecID() {
    return -1;
  }
}
