using System.Globalization;
using StackExchange.Redis;

namespace Messaging.Stores.Redis;

// Reads the two hashes of a conversation (see conversation_create.lua for their layout) back into the model.
internal static class ConversationRecord
{
    public static string KindName(ConversationKind kind) => kind == ConversationKind.Direct ? "direct" : "group";

    public static string RoleName(MemberRole role) => role == MemberRole.Admin ? "admin" : "member";

    /// <exception cref="InvalidDataException">The hashes are malformed.</exception>
    public static ConversationActivity Read(string conversationId, RedisResult info, RedisResult members)
    {
        var infoPairs = (RedisResult[])info!;
        var memberPairs = (RedisResult[])members!;
        string? kindName = null, name = null, created = null, lastSeqText = null, activity = null;
        for (var i = 0; i + 1 < infoPairs.Length; i += 2)
        {
            switch ((string?)infoPairs[i])
            {
                case "kind": kindName = (string?)infoPairs[i + 1]; break;
                case "name": name = (string?)infoPairs[i + 1]; break;
                case "created": created = (string?)infoPairs[i + 1]; break;
                case "last_seq": lastSeqText = (string?)infoPairs[i + 1]; break;
                case "activity": activity = (string?)infoPairs[i + 1]; break;
            }
        }

        var kind = Field(kindName, "kind") switch
        {
            "direct" => ConversationKind.Direct,
            "group" => ConversationKind.Group,
            var other => throw new InvalidDataException($"Unknown conversation kind '{other}'."),
        };

        var list = new (long Order, ConversationMember Member)[memberPairs.Length / 2];
        for (var i = 0; i < list.Length; i++)
        {
            list[i] = ReadMember(conversationId, (string)memberPairs[2 * i]!, (string)memberPairs[(2 * i) + 1]!);
        }

        Array.Sort(list, static (a, b) => a.Order.CompareTo(b.Order));
        var ordered = new ConversationMember[list.Length];
        for (var i = 0; i < list.Length; i++)
        {
            ordered[i] = list[i].Member;
        }

        var conversation = new Conversation
        {
            Id = conversationId,
            Kind = kind,
            Name = name,
            Members = ordered,
            CreatedAt = StoredTime.FromTicks(Field(created, "created")),
        };
        var lastSeq = long.Parse(Field(lastSeqText, "last_seq"), NumberStyles.None, CultureInfo.InvariantCulture);
        return new ConversationActivity(conversation, lastSeq, StoredTime.FromTicks(Field(activity, "activity")));
    }

    // "<join order>|<role>|<joined ticks>".
    private static (long Order, ConversationMember Member) ReadMember(string conversationId, string userId, string value)
    {
        var span = value.AsSpan();
        var first = span.IndexOf('|');
        var second = first < 0 ? -1 : span[(first + 1)..].IndexOf('|');
        if (second < 0 || !long.TryParse(span[..first], NumberStyles.None, CultureInfo.InvariantCulture, out var order))
        {
            throw new InvalidDataException($"A member entry of conversation '{conversationId}' is malformed.");
        }

        second += first + 1;
        var role = span[(first + 1)..second].SequenceEqual("admin") ? MemberRole.Admin : MemberRole.Member;
        var joinedEnd = span[(second + 1)..].IndexOf('|');
        var joined = joinedEnd < 0 ? value[(second + 1)..] : value.Substring(second + 1, joinedEnd);
        return (order, new ConversationMember(userId, role, StoredTime.FromTicks(joined)));
    }

    private static string Field(string? value, string name)
        => value ?? throw new InvalidDataException($"A conversation lacks its '{name}' field.");
}
