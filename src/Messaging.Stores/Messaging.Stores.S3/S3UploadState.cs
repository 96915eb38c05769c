using Amazon.S3.Model;

namespace Messaging.Stores.S3;

/// <summary>
/// One open multipart upload as stored in its state object in the bucket: the multipart upload id, the parts committed
/// so far and the tail not yet big enough for a part. Immutable; an append writes a new one.
/// </summary>
/// <param name="UploadId">The S3 multipart upload id.</param>
/// <param name="Length">The declared length.</param>
/// <param name="Parts">The committed parts, numbered 1..n.</param>
/// <param name="PartBytes">The bytes in <paramref name="Parts"/>.</param>
/// <param name="Tail">The bytes after the parts, fewer than a part.</param>
/// <param name="ETag">The ETag of the state object these values were read from or written as.</param>
internal sealed record S3UploadState(string UploadId, long Length, IReadOnlyList<PartETag> Parts, long PartBytes, byte[] Tail, string ETag)
{
    /// <summary>The bytes durably stored: the parts and the tail.</summary>
    public long Offset => PartBytes + Tail.Length;

    /// <summary>The state object's body: a version byte, the upload id, the length, the parts, then the tail bytes.</summary>
    public static byte[] Serialize(string uploadId, long length, IReadOnlyList<PartETag> parts, long partBytes, ReadOnlySpan<byte> tail)
    {
        using var body = new MemoryStream();
        using (var writer = new BinaryWriter(body, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            writer.Write((byte)1);
            writer.Write(uploadId);
            writer.Write(length);
            writer.Write(partBytes);
            writer.Write(parts.Count);
            foreach (var part in parts)
            {
                writer.Write(part.PartNumber ?? 0);
                writer.Write(part.ETag);
            }

            writer.Write(tail);
        }

        return body.ToArray();
    }

    /// <summary>Reads a body written by <see cref="Serialize"/>.</summary>
    public static S3UploadState Deserialize(byte[] body, string eTag)
    {
        using var reader = new BinaryReader(new MemoryStream(body, writable: false), System.Text.Encoding.UTF8);
        if (reader.ReadByte() != 1)
        {
            throw new InvalidDataException("Unknown upload state format.");
        }

        var uploadId = reader.ReadString();
        var length = reader.ReadInt64();
        var partBytes = reader.ReadInt64();
        var count = reader.ReadInt32();
        var parts = new List<PartETag>(count);
        for (var i = 0; i < count; i++)
        {
            var number = reader.ReadInt32();
            parts.Add(new PartETag(number, reader.ReadString()));
        }

        var tail = body[(int)reader.BaseStream.Position..];
        return new S3UploadState(uploadId, length, parts, partBytes, tail, eTag);
    }
}
