using System.Collections.Concurrent;
using System.Text;

namespace RawWebSocket;

/// <summary>
/// The ceiling of the machine: routes text frames between WebSockets with no JSON, no storage and no sequencing.
/// Client frames: <c>D to payload</c> (1:1), <c>J group</c> (join), <c>G group payload</c> (to the other members),
/// <c>E payload</c> (echo), <c>P</c> (ping, answered <c>p</c>); a join is answered <c>j</c>. Recipients get the payload bytes, copied once per
/// message whatever the number of recipients.
/// </summary>
internal sealed class RawRouter
{
    private static readonly ReadOnlyMemory<byte> Pong = "p"u8.ToArray();
    private static readonly ReadOnlyMemory<byte> Joined = "j"u8.ToArray();

    private readonly ConcurrentDictionary<string, RawConnection> _users = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<RawConnection, byte>> _groups = new(StringComparer.Ordinal);

    public void Add(RawConnection connection) => _users[connection.User] = connection;

    public void Remove(RawConnection connection)
    {
        _users.TryRemove(new KeyValuePair<string, RawConnection>(connection.User, connection));
        foreach (var members in _groups.Values)
        {
            members.TryRemove(connection, out _);
        }
    }

    public void Route(RawConnection from, ReadOnlySpan<byte> frame)
    {
        if (frame.IsEmpty)
        {
            return;
        }

        var rest = frame.Length > 2 ? frame[2..] : [];
        switch (frame[0])
        {
            case (byte)'D':
                {
                    var to = Head(rest, out var payload);
                    if (_users.TryGetValue(Encoding.UTF8.GetString(to), out var target))
                    {
                        target.TrySend(payload.ToArray());
                    }

                    break;
                }

            case (byte)'G':
                {
                    var group = Head(rest, out var payload);
                    if (_groups.TryGetValue(Encoding.UTF8.GetString(group), out var members))
                    {
                        ReadOnlyMemory<byte> copy = payload.ToArray();
                        foreach (var member in members.Keys)
                        {
                            if (!ReferenceEquals(member, from))
                            {
                                member.TrySend(copy);
                            }
                        }
                    }

                    break;
                }

            case (byte)'J':
                _groups.GetOrAdd(Encoding.UTF8.GetString(rest), static _ => new ConcurrentDictionary<RawConnection, byte>())[from] = 0;
                from.TrySend(Joined);
                break;
            case (byte)'E':
                from.TrySend(rest.ToArray());
                break;
            case (byte)'P':
                from.TrySend(Pong);
                break;
        }
    }

    private static ReadOnlySpan<byte> Head(ReadOnlySpan<byte> value, out ReadOnlySpan<byte> tail)
    {
        var space = value.IndexOf((byte)' ');
        tail = space < 0 ? [] : value[(space + 1)..];
        return space < 0 ? value : value[..space];
    }
}
