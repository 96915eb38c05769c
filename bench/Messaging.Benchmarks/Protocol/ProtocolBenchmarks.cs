using System.Buffers;
using System.Text;
using BenchmarkDotNet.Attributes;
using Messaging.Protocol;

namespace Messaging.Benchmarks.Protocol;

/// <summary>Frame serialise and parse: what the gateway pays per frame in and per recipient out.</summary>
[MemoryDiagnoser]
public class ProtocolBenchmarks
{
    private readonly ArrayBufferWriter<byte> _buffer = new(1024);
    private MessageFrame _message = null!;
    private byte[] _sendFrameUtf8 = null!;
    private byte[] _messageFrameUtf8 = null!;

    /// <summary>Builds the frames once.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var content = new string('x', 64);
        _message = new MessageFrame(new MessageData
        {
            MessageId = "0193a5b2-7c1d-7e3f-9a2b-1c2d3e4f5a6b",
            ConversationId = "c-0193a5b27c1d",
            Seq = 4242,
            SenderId = "alice",
            ClientMsgId = "alice-42",
            Content = content,
            Timestamp = new DateTimeOffset(2026, 1, 15, 10, 30, 0, TimeSpan.Zero),
        });
        _messageFrameUtf8 = ProtocolWriter.ToUtf8Bytes(_message);
        _sendFrameUtf8 = Encoding.UTF8.GetBytes($"{{\"type\":\"message\",\"conversation_id\":\"c-0193a5b27c1d\",\"content\":\"{content}\",\"client_msg_id\":\"alice-42\"}}");
    }

    /// <summary>Server side, per recipient: a <c>message</c> frame to UTF-8 JSON.</summary>
    [Benchmark]
    public int WriteMessageFrame()
    {
        _buffer.ResetWrittenCount();
        ProtocolWriter.Write(_message, _buffer);
        return _buffer.WrittenCount;
    }

    /// <summary>Server side, per send: parse the client's <c>message</c> frame.</summary>
    [Benchmark]
    public ClientFrame? ParseSendFrame() => ProtocolReader.TryParse(_sendFrameUtf8, out ClientFrame? frame, out _) ? frame : null;

    /// <summary>Client side, per delivery: parse the server's <c>message</c> frame.</summary>
    [Benchmark]
    public ServerFrame? ParseMessageFrame() => ProtocolReader.TryParse(_messageFrameUtf8, out ServerFrame? frame, out _) ? frame : null;
}
