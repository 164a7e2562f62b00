/**
 * A small protobuf reader/writer for the DDSketch wire format (DDSketch.proto, shared by the Datadog
 * sketch libraries in Go, Java, Python and JS):
 *
 *   message DDSketch     { IndexMapping mapping = 1; Store positiveValues = 2; Store negativeValues = 3; double zeroCount = 4; }
 *   message IndexMapping { double gamma = 1; double indexOffset = 2; Interpolation interpolation = 3; }
 *   message Store        { map<sint32, double> binCounts = 1; repeated double contiguousBinCounts = 2 [packed]; sint32 contiguousBinIndexOffset = 3; }
 *
 * Why not the library's own `toProto`/`fromProto`: @datadog/sketches-js 2.1 needs `protobufjs` at run
 * time without declaring it as a dependency (it resolves here only through testcontainers, a dev
 * dependency), its `toProto` writes the store's whole padded array, and its `fromProto` drops min, max
 * and sum. The bytes written here are read by the library's `fromProto` (tested), and bytes written by
 * the library are read here.
 *
 * Fields 100–102 (doubles: exact min, max, sum) are an extension of ours; protobuf readers that do
 * not know them skip them.
 */

export const WireType = {
  Varint: 0,
  Fixed64: 1,
  LengthDelimited: 2,
  Fixed32: 5,
} as const;
export type WireType = (typeof WireType)[keyof typeof WireType];

/** Bytes of `value` as an unsigned varint (the length prefix of a nested message written in place). */
export function varintSize(value: number): number {
  let size = 1;
  for (let v = value; v >= 0x80; v = Math.floor(v / 0x80)) size++;
  return size;
}

/** Zigzag encoding of a sint32 (the number its varint carries). */
export function zigzag(value: number): number {
  return value >= 0 ? value * 2 : -value * 2 - 1;
}

export class ProtoWriter {
  private buffer = new Uint8Array(64);
  private view = new DataView(this.buffer.buffer);
  private length = 0;

  /** Starts a new message in the same buffer: a writer reused for every encoding allocates once. */
  reset(): this {
    this.length = 0;
    return this;
  }

  tag(field: number, wireType: WireType): this {
    return this.varint(field * 8 + wireType);
  }

  /** Unsigned varint of a non-negative safe integer. */
  varint(value: number): this {
    this.reserve(10);
    let v = value;
    while (v >= 0x80) {
      this.buffer[this.length++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.buffer[this.length++] = v;
    return this;
  }

  /** sint32: zigzag, then varint. */
  sint32(value: number): this {
    return this.varint(zigzag(value));
  }

  double(value: number): this {
    this.reserve(8);
    this.view.setFloat64(this.length, value, true);
    this.length += 8;
    return this;
  }

  bytes(value: Uint8Array): this {
    this.varint(value.length);
    this.reserve(value.length);
    this.buffer.set(value, this.length);
    this.length += value.length;
    return this;
  }

  /** A copy of what was written (the buffer itself is reused by `reset`). */
  finish(): Uint8Array {
    return this.buffer.slice(0, this.length);
  }

  private reserve(bytes: number): void {
    if (this.length + bytes <= this.buffer.length) return;
    let size = this.buffer.length * 2;
    while (size < this.length + bytes) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buffer.subarray(0, this.length));
    this.buffer = next;
    this.view = new DataView(next.buffer);
  }
}

export class ProtoReader {
  private position: number;
  private readonly view: DataView;

  constructor(
    private readonly bytes: Uint8Array,
    start = 0,
    private readonly end = bytes.length,
  ) {
    this.position = start;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  done(): boolean {
    return this.position >= this.end;
  }

  /** Reads a field tag; returns [field number, wire type]. */
  tag(): [number, number] {
    const tag = this.varint();
    return [Math.floor(tag / 8), tag % 8];
  }

  /** Unsigned varint (up to 2^53 exactly; wider values lose precision, which no field here needs). */
  varint(): number {
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (this.position >= this.end) throw new RangeError('truncated varint');
      const byte = this.bytes[this.position++]!;
      result += (byte & 0x7f) * scale;
      if (byte < 0x80) return result;
      scale *= 0x80;
    }
    throw new RangeError('varint longer than 10 bytes');
  }

  sint32(): number {
    const zigzag = this.varint();
    return zigzag % 2 === 0 ? zigzag / 2 : -(zigzag + 1) / 2;
  }

  double(): number {
    if (this.position + 8 > this.end) throw new RangeError('truncated double');
    const value = this.view.getFloat64(this.position, true);
    this.position += 8;
    return value;
  }

  /** A reader over the next length-delimited field's bytes. */
  sub(): ProtoReader {
    const length = this.varint();
    const start = this.position;
    if (start + length > this.end) throw new RangeError('truncated length-delimited field');
    this.position += length;
    return new ProtoReader(this.bytes, start, start + length);
  }

  skip(wireType: number): void {
    switch (wireType) {
      case WireType.Varint:
        this.varint();
        return;
      case WireType.Fixed64:
        this.position += 8;
        break;
      case WireType.LengthDelimited:
        this.position += this.varint();
        break;
      case WireType.Fixed32:
        this.position += 4;
        break;
      default:
        throw new RangeError(`unsupported protobuf wire type ${wireType}`);
    }
    if (this.position > this.end) throw new RangeError('truncated field');
  }
}
