using System.Buffers;
using FsCheck.Xunit;

namespace Messaging.Protocol.Tests;

/// <summary>Laws: whatever the writer writes, the reader reads back as the same frame; the reader never throws.</summary>
public sealed class FrameRoundTripProperties
{
    [Property(Arbitrary = [typeof(FrameGenerators)], MaxTest = 300)]
    public void Every_client_frame_reads_back_as_written(ClientFrame frame)
    {
        var buffer = new ArrayBufferWriter<byte>();
        ProtocolWriter.Write(frame, buffer);

        Assert.True(ProtocolReader.TryParse(buffer.WrittenSpan, out ClientFrame? parsed, out var error), error);
        FrameAssert.Equivalent(frame, parsed);
    }

    [Property(Arbitrary = [typeof(FrameGenerators)], MaxTest = 300)]
    public void Every_server_frame_reads_back_as_written(ServerFrame frame)
    {
        var buffer = new ArrayBufferWriter<byte>();
        ProtocolWriter.Write(frame, buffer);

        Assert.True(ProtocolReader.TryParse(buffer.WrittenSpan, out ServerFrame? parsed, out var error), error);
        FrameAssert.Equivalent(frame, parsed);
    }

    [Property(Arbitrary = [typeof(FrameGenerators)], MaxTest = 500)]
    public void Reader_never_throws_and_always_explains_a_failure(byte[] input)
    {
        var clientOk = ProtocolReader.TryParse(input, out ClientFrame? clientFrame, out var clientError);
        var serverOk = ProtocolReader.TryParse(input, out ServerFrame? serverFrame, out var serverError);

        Assert.Equal(clientOk, clientFrame is not null);
        Assert.Equal(clientOk, clientError is null);
        Assert.Equal(serverOk, serverFrame is not null);
        Assert.Equal(serverOk, serverError is null);
    }

    [Property(Arbitrary = [typeof(FrameGenerators)], MaxTest = 200)]
    public void Every_truncation_of_a_valid_frame_is_rejected_without_throwing(ServerFrame frame)
    {
        var bytes = ProtocolWriter.ToUtf8Bytes(frame);

        for (var length = 0; length < bytes.Length; length++)
        {
            Assert.False(ProtocolReader.TryParse(bytes.AsSpan(0, length), out ServerFrame? _, out var error));
            Assert.False(string.IsNullOrEmpty(error));
        }
    }
}
