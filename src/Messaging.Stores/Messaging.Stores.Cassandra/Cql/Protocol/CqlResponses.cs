namespace Messaging.Stores.Cassandra.Cql.Protocol;

/// <summary>
/// A response message (section 4.2 of the v4 spec). <see cref="Read"/> first reads what the header flags put before
/// the body (a tracing id, then warnings, then a custom payload) and ignores bytes after the fields it knows.
/// </summary>
internal abstract record CqlResponse
{
    public abstract CqlOpcode Opcode { get; }

    /// <summary>Server warnings (flag 0x08).</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];

    public abstract void WriteBody(CqlWriter writer);

    public static CqlResponse Read(CqlFrameHeader header, ReadOnlySpan<byte> body)
    {
        if ((header.Flags & CqlFrameFlags.Compression) != 0)
        {
            throw new InvalidDataException("A compressed CQL frame arrived, but no compression was negotiated.");
        }

        var reader = new CqlReader(body);
        if ((header.Flags & CqlFrameFlags.Tracing) != 0)
        {
            reader.ReadUuid();
        }

        IReadOnlyList<string> warnings = (header.Flags & CqlFrameFlags.Warning) != 0 ? reader.ReadStringList() : [];
        if ((header.Flags & CqlFrameFlags.CustomPayload) != 0)
        {
            reader.ReadBytesMap();
        }

        CqlResponse response = header.Opcode switch
        {
            CqlOpcode.Ready => new ReadyResponse(),
            CqlOpcode.Authenticate => new AuthenticateResponse(reader.ReadString()),
            CqlOpcode.Supported => new SupportedResponse(reader.ReadStringMultimap()),
            CqlOpcode.AuthChallenge => new AuthChallengeResponse(reader.ReadBytes()),
            CqlOpcode.AuthSuccess => new AuthSuccessResponse(reader.ReadBytes()),
            CqlOpcode.Error => ErrorResponse.Read(ref reader),
            CqlOpcode.Result => ResultResponse.Read(ref reader),
            CqlOpcode.Event => new EventResponse(reader.ReadString()),
            _ => throw new InvalidDataException($"Opcode {header.Opcode} is not a response."),
        };
        return response with { Warnings = warnings };
    }
}

/// <summary>READY: the connection is open for queries.</summary>
internal sealed record ReadyResponse : CqlResponse
{
    public override CqlOpcode Opcode => CqlOpcode.Ready;

    public override void WriteBody(CqlWriter writer)
    {
    }
}

/// <summary>AUTHENTICATE: the server's authenticator class, answered with AUTH_RESPONSE.</summary>
internal sealed record AuthenticateResponse(string Authenticator) : CqlResponse
{
    public override CqlOpcode Opcode => CqlOpcode.Authenticate;

    public override void WriteBody(CqlWriter writer) => writer.WriteString(Authenticator);
}

/// <summary>SUPPORTED: <c>[string multimap]</c> of the server's options (CQL versions, compressions, protocol versions).</summary>
internal sealed record SupportedResponse(IReadOnlyList<KeyValuePair<string, IReadOnlyList<string>>> Options) : CqlResponse
{
    public override CqlOpcode Opcode => CqlOpcode.Supported;

    public override void WriteBody(CqlWriter writer) => writer.WriteStringMultimap(Options);
}

/// <summary>AUTH_CHALLENGE: a SASL challenge token.</summary>
internal sealed record AuthChallengeResponse(byte[]? Token) : CqlResponse
{
    public override CqlOpcode Opcode => CqlOpcode.AuthChallenge;

    public override void WriteBody(CqlWriter writer) => writer.WriteBytes(Token);
}

/// <summary>AUTH_SUCCESS: authentication finished; the connection is ready.</summary>
internal sealed record AuthSuccessResponse(byte[]? Token) : CqlResponse
{
    public override CqlOpcode Opcode => CqlOpcode.AuthSuccess;

    public override void WriteBody(CqlWriter writer) => writer.WriteBytes(Token);
}

/// <summary>EVENT (stream -1): the client registers for none, so only its type is read and the frame is dropped.</summary>
internal sealed record EventResponse(string EventType) : CqlResponse
{
    public override CqlOpcode Opcode => CqlOpcode.Event;

    public override void WriteBody(CqlWriter writer) => writer.WriteString(EventType);
}

/// <summary>The error codes of section 9.</summary>
internal static class CqlErrorCodes
{
    public const int ServerError = 0x0000;
    public const int ProtocolError = 0x000A;
    public const int BadCredentials = 0x0100;
    public const int Unavailable = 0x1000;
    public const int Overloaded = 0x1001;
    public const int IsBootstrapping = 0x1002;
    public const int TruncateError = 0x1003;
    public const int WriteTimeout = 0x1100;
    public const int ReadTimeout = 0x1200;
    public const int ReadFailure = 0x1300;
    public const int FunctionFailure = 0x1400;
    public const int WriteFailure = 0x1500;
    public const int SyntaxError = 0x2000;
    public const int Unauthorized = 0x2100;
    public const int Invalid = 0x2200;
    public const int ConfigError = 0x2300;
    public const int AlreadyExists = 0x2400;
    public const int Unprepared = 0x2500;
}

/// <summary>
/// ERROR: <c>[int]</c> code, <c>[string]</c> message, then per code: unavailable (consistency, required, alive), write
/// timeout (consistency, received, block for, write type), read timeout (consistency, received, block for, data
/// present), read failure (consistency, received, block for, failures, data present), write failure (consistency,
/// received, block for, failures, write type), function failure (keyspace, function, argument types), already
/// exists (keyspace, table), unprepared (<c>[short bytes]</c> id).
/// </summary>
internal sealed record ErrorResponse(int Code, string Message) : CqlResponse
{
    public override CqlOpcode Opcode => CqlOpcode.Error;

    public CassandraConsistency? Consistency { get; init; }

    public int Required { get; init; }

    public int Alive { get; init; }

    public int Received { get; init; }

    public int BlockFor { get; init; }

    public int Failures { get; init; }

    public string? WriteType { get; init; }

    public bool DataPresent { get; init; }

    public string? Keyspace { get; init; }

    /// <summary>The table of already-exists, the function of function-failure.</summary>
    public string? Name { get; init; }

    public IReadOnlyList<string>? ArgumentTypes { get; init; }

    public byte[]? UnpreparedId { get; init; }

    public static ErrorResponse Read(ref CqlReader reader)
    {
        var error = new ErrorResponse(reader.ReadInt(), reader.ReadString());
        switch (error.Code)
        {
            case CqlErrorCodes.Unavailable:
                return error with { Consistency = reader.ReadConsistency(), Required = reader.ReadInt(), Alive = reader.ReadInt() };
            case CqlErrorCodes.WriteTimeout:
                return error with { Consistency = reader.ReadConsistency(), Received = reader.ReadInt(), BlockFor = reader.ReadInt(), WriteType = reader.ReadString() };
            case CqlErrorCodes.ReadTimeout:
                return error with { Consistency = reader.ReadConsistency(), Received = reader.ReadInt(), BlockFor = reader.ReadInt(), DataPresent = reader.ReadByte() != 0 };
            case CqlErrorCodes.ReadFailure:
                return error with { Consistency = reader.ReadConsistency(), Received = reader.ReadInt(), BlockFor = reader.ReadInt(), Failures = reader.ReadInt(), DataPresent = reader.ReadByte() != 0 };
            case CqlErrorCodes.WriteFailure:
                return error with { Consistency = reader.ReadConsistency(), Received = reader.ReadInt(), BlockFor = reader.ReadInt(), Failures = reader.ReadInt(), WriteType = reader.ReadString() };
            case CqlErrorCodes.FunctionFailure:
                return error with { Keyspace = reader.ReadString(), Name = reader.ReadString(), ArgumentTypes = reader.ReadStringList() };
            case CqlErrorCodes.AlreadyExists:
                return error with { Keyspace = reader.ReadString(), Name = reader.ReadString() };
            case CqlErrorCodes.Unprepared:
                return error with { UnpreparedId = reader.ReadShortBytes() };
            default:
                return error;
        }
    }

    public override void WriteBody(CqlWriter writer)
    {
        writer.WriteInt(Code);
        writer.WriteString(Message);
        switch (Code)
        {
            case CqlErrorCodes.Unavailable:
                writer.WriteConsistency(Consistency.GetValueOrDefault());
                writer.WriteInt(Required);
                writer.WriteInt(Alive);
                break;
            case CqlErrorCodes.WriteTimeout:
            case CqlErrorCodes.WriteFailure:
                writer.WriteConsistency(Consistency.GetValueOrDefault());
                writer.WriteInt(Received);
                writer.WriteInt(BlockFor);
                if (Code == CqlErrorCodes.WriteFailure)
                {
                    writer.WriteInt(Failures);
                }

                writer.WriteString(WriteType ?? string.Empty);
                break;
            case CqlErrorCodes.ReadTimeout:
            case CqlErrorCodes.ReadFailure:
                writer.WriteConsistency(Consistency.GetValueOrDefault());
                writer.WriteInt(Received);
                writer.WriteInt(BlockFor);
                if (Code == CqlErrorCodes.ReadFailure)
                {
                    writer.WriteInt(Failures);
                }

                writer.WriteByte(DataPresent ? (byte)1 : (byte)0);
                break;
            case CqlErrorCodes.FunctionFailure:
                writer.WriteString(Keyspace ?? string.Empty);
                writer.WriteString(Name ?? string.Empty);
                writer.WriteStringList(ArgumentTypes ?? []);
                break;
            case CqlErrorCodes.AlreadyExists:
                writer.WriteString(Keyspace ?? string.Empty);
                writer.WriteString(Name ?? string.Empty);
                break;
            case CqlErrorCodes.Unprepared:
                writer.WriteShortBytes(UnpreparedId ?? []);
                break;
        }
    }
}
