using System.Buffers;
using System.Buffers.Binary;

namespace Messaging.Stores.Cassandra.Cql.Protocol;

/// <summary>The message kinds of protocol v4 (section 2.4).</summary>
internal enum CqlOpcode : byte
{
    Error = 0x00,
    Startup = 0x01,
    Ready = 0x02,
    Authenticate = 0x03,
    Options = 0x05,
    Supported = 0x06,
    Query = 0x07,
    Result = 0x08,
    Prepare = 0x09,
    Execute = 0x0A,
    Register = 0x0B,
    Event = 0x0C,
    Batch = 0x0D,
    AuthChallenge = 0x0E,
    AuthResponse = 0x0F,
    AuthSuccess = 0x10,
}

/// <summary>Frame header flags (section 2.2).</summary>
[Flags]
internal enum CqlFrameFlags : byte
{
    None = 0x00,
    Compression = 0x01,
    Tracing = 0x02,
    CustomPayload = 0x04,
    Warning = 0x08,
    Beta = 0x10,
}

/// <summary>
/// The 9-byte frame header: <c>version</c> (0x04 request, 0x84 response), <c>flags</c>, <c>stream</c> (signed 16 bits;
/// the server's events use -1), <c>opcode</c>, <c>length</c> of the body (<c>[int]</c>).
/// </summary>
internal readonly record struct CqlFrameHeader(byte Version, CqlFrameFlags Flags, short Stream, CqlOpcode Opcode, int Length)
{
    public const int Size = 9;
    public const byte RequestVersion = 0x04;
    public const byte ResponseVersion = 0x84;

    /// <summary>The largest body the protocol allows (256 MB, section 2.5).</summary>
    public const int MaxBodyLength = 256 * 1024 * 1024;

    public bool IsResponse => (Version & 0x80) != 0;

    public void Write(Span<byte> destination)
    {
        destination[0] = Version;
        destination[1] = (byte)Flags;
        BinaryPrimitives.WriteInt16BigEndian(destination[2..], Stream);
        destination[4] = (byte)Opcode;
        BinaryPrimitives.WriteInt32BigEndian(destination[5..], Length);
    }

    public static CqlFrameHeader Read(ReadOnlySpan<byte> source) =>
        new(source[0], (CqlFrameFlags)source[1], BinaryPrimitives.ReadInt16BigEndian(source[2..]), (CqlOpcode)source[4], BinaryPrimitives.ReadInt32BigEndian(source[5..]));
}

/// <summary>One whole frame as read from the wire.</summary>
internal sealed record CqlFrame(CqlFrameHeader Header, byte[] Body);

/// <summary>Cuts frames out of a byte stream and writes them; a frame may arrive in any number of reads.</summary>
internal static class CqlFraming
{
    /// <summary>Takes one whole frame off the front of <paramref name="buffer"/>, or returns false when more bytes are needed.</summary>
    public static bool TryRead(ref ReadOnlySequence<byte> buffer, out CqlFrame? frame)
    {
        frame = null;
        if (buffer.Length < CqlFrameHeader.Size)
        {
            return false;
        }

        Span<byte> headerBytes = stackalloc byte[CqlFrameHeader.Size];
        buffer.Slice(0, CqlFrameHeader.Size).CopyTo(headerBytes);
        var header = CqlFrameHeader.Read(headerBytes);
        if ((header.Version & 0x7F) != CqlFrameHeader.RequestVersion)
        {
            throw new InvalidDataException($"A CQL frame has protocol version 0x{header.Version:X2}; this client speaks v4 only.");
        }

        if (header.Length < 0 || header.Length > CqlFrameHeader.MaxBodyLength)
        {
            throw new InvalidDataException($"A CQL frame claims a body of {header.Length} bytes.");
        }

        if (buffer.Length < CqlFrameHeader.Size + header.Length)
        {
            return false;
        }

        var body = buffer.Slice(CqlFrameHeader.Size, header.Length).ToArray();
        buffer = buffer.Slice(CqlFrameHeader.Size + header.Length);
        frame = new CqlFrame(header, body);
        return true;
    }

    /// <summary>Writes a request frame (header and body) for <paramref name="stream"/>.</summary>
    public static void WriteRequest(CqlWriter writer, short stream, CqlRequest request) =>
        Write(writer, CqlFrameHeader.RequestVersion, CqlFrameFlags.None, stream, request.Opcode, request.WriteBody);

    /// <summary>Writes a response frame: the warnings flag and list come first in the body when there are any.</summary>
    public static void WriteResponse(CqlWriter writer, short stream, CqlResponse response)
    {
        var flags = response.Warnings.Count > 0 ? CqlFrameFlags.Warning : CqlFrameFlags.None;
        Write(writer, CqlFrameHeader.ResponseVersion, flags, stream, response.Opcode, w =>
        {
            if (response.Warnings.Count > 0)
            {
                w.WriteStringList(response.Warnings);
            }

            response.WriteBody(w);
        });
    }

    public static byte[] Request(short stream, CqlRequest request)
    {
        var writer = new CqlWriter();
        WriteRequest(writer, stream, request);
        return writer.ToArray();
    }

    public static byte[] Response(short stream, CqlResponse response)
    {
        var writer = new CqlWriter();
        WriteResponse(writer, stream, response);
        return writer.ToArray();
    }

    private static void Write(CqlWriter writer, byte version, CqlFrameFlags flags, short stream, CqlOpcode opcode, Action<CqlWriter> body)
    {
        var start = writer.Length;
        writer.WriteByte(version);
        writer.WriteByte((byte)flags);
        writer.WriteShort(unchecked((ushort)stream));
        writer.WriteByte((byte)opcode);
        writer.WriteInt(0);
        body(writer);
        writer.PatchInt(start + 5, writer.Length - start - CqlFrameHeader.Size);
    }
}
