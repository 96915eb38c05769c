// The snippet of src/Messaging.Protocol/README.md, verbatim.
using System.Buffers;
using System.Text.Json;
using Messaging.Protocol;

namespace Messaging.Docs.Tests.Snippets;

/// <summary>The protocol package's README code, compiled as written.</summary>
internal static class ProtocolReadme
{
    /// <summary>Reading and writing frames and REST bodies.</summary>
    public static void ReadAndWrite(ReadOnlySpan<byte> utf8Json, IBufferWriter<byte> bufferWriter, ReadOnlySpan<byte> received, string json)
    {
        // Server side: parse what a client sent. Never throws on bad input.
        if (ProtocolReader.TryParse(utf8Json, out ClientFrame? frame, out var error))
        {
            switch (frame)
            {
                case SendMessageFrame send: /* ... */ break;
                case AckUpToFrame ack: /* ... */ break;
            }
        }
        else
        {
            ProtocolWriter.Write(new ErrorFrame(ErrorCodes.BadRequest, error), bufferWriter);
        }

        // Client side: write a frame, read the server's answer.
        byte[] bytes = ProtocolWriter.ToUtf8Bytes(new SendMessageFrame("c1", "Hello!", "uuid-1"));
        ProtocolReader.TryParse(received, out ServerFrame? serverFrame, out _);

        // REST bodies.
        var conversation = JsonSerializer.Deserialize(json, ProtocolJsonContext.Default.ConversationBody);
    }
}
