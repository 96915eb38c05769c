using System.Text;

namespace Messaging.LoadGen.Proxy;

/// <summary>
/// Counts the commands in a client's byte stream to Redis, chunk by chunk (a command may be split anywhere):
/// RESP arrays of bulk strings (<c>*N\r\n</c> then N times <c>$LEN\r\nBYTES\r\n</c>), as every client library sends them,
/// and inline commands (one line), as <c>redis-cli</c> may. A script call is one command. Not thread-safe: one per
/// connection direction.
/// </summary>
internal sealed class RespCommandCounter
{
    private const int MaxName = 32;

    private readonly StringBuilder _name = new();
    private State _state = State.Start;
    private long _number;
    private long _argumentsLeft;
    private long _bodyLeft;
    private bool _firstArgument;
    private bool _negative;

    private enum State
    {
        Start,
        ArrayLength,
        BulkMarker,
        BulkLength,
        BulkBody,
        Inline,
    }

    /// <summary>Called with the command name (upper case) each time a command is complete.</summary>
    public event Action<string>? Command;

    /// <summary>Commands completed so far.</summary>
    public long Count { get; private set; }

    public void Feed(ReadOnlySpan<byte> chunk)
    {
        for (var i = 0; i < chunk.Length; i++)
        {
            var b = chunk[i];
            switch (_state)
            {
                case State.Start:
                    if (b == (byte)'*')
                    {
                        _number = 0;
                        _state = State.ArrayLength;
                    }
                    else if (b is not ((byte)'\r' or (byte)'\n'))
                    {
                        _name.Clear();
                        _name.Append((char)b);
                        _state = State.Inline;
                    }

                    break;
                case State.ArrayLength:
                    if (ReadNumber(b) is { } arguments)
                    {
                        _argumentsLeft = arguments;
                        _firstArgument = true;
                        _name.Clear();
                        _state = arguments > 0 ? State.BulkMarker : State.Start;
                    }

                    break;
                case State.BulkMarker:
                    _number = 0;
                    _state = b == (byte)'$' ? State.BulkLength : throw new InvalidDataException($"Expected a bulk string, got '{(char)b}'.");
                    break;
                case State.BulkLength:
                    if (ReadNumber(b) is { } length)
                    {
                        _bodyLeft = length + 2;
                        _state = State.BulkBody;
                    }

                    break;
                case State.BulkBody:
                    var take = (int)Math.Min(_bodyLeft, chunk.Length - i);
                    if (_firstArgument)
                    {
                        foreach (var c in chunk.Slice(i, take))
                        {
                            if (c is not ((byte)'\r' or (byte)'\n') && _name.Length < MaxName)
                            {
                                _name.Append(char.ToUpperInvariant((char)c));
                            }
                        }
                    }

                    _bodyLeft -= take;
                    i += take - 1;
                    if (_bodyLeft == 0)
                    {
                        _firstArgument = false;
                        if (--_argumentsLeft == 0)
                        {
                            Complete();
                        }
                        else
                        {
                            _state = State.BulkMarker;
                        }
                    }

                    break;
                case State.Inline:
                    if (b == (byte)'\n')
                    {
                        var line = _name.ToString().Trim();
                        _name.Clear();
                        _name.Append(line.Split(' ')[0].ToUpperInvariant());
                        Complete();
                    }
                    else if (_name.Length < 4096)
                    {
                        _name.Append((char)b);
                    }

                    break;
            }
        }
    }

    private void Complete()
    {
        Count++;
        Command?.Invoke(_name.ToString());
        _name.Clear();
        _state = State.Start;
    }

    // Digits up to "\r\n"; returns the number when its line ends.
    private long? ReadNumber(byte b)
    {
        switch (b)
        {
            case >= (byte)'0' and <= (byte)'9':
                _number = (_number * 10) + (b - '0');
                return null;
            case (byte)'-':
                _negative = true;
                return null;
            case (byte)'\r':
                return null;
            case (byte)'\n':
                var value = _negative ? 0 : _number;
                _negative = false;
                return value;
            default:
                throw new InvalidDataException($"Unexpected '{(char)b}' in a RESP length.");
        }
    }
}
