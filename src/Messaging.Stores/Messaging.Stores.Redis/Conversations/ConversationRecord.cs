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
        => Read(conversationId, ToPairs((RedisResult[])info!), ToPairs((RedisResult[])members!));

    /// <exception cref="InvalidDataException">The hashes are malformed.</exception>
    public static ConversationActivity Read(string conversationId, HashEntry[] info, HashEntry[] members)
        => Read(conversationId, info.Select(e => (e.Name.ToString(), e.Value.ToString())), members.Select(e => (e.Name.ToString(), e.Value.ToString())));

    private static ConversationActivity Read(string conversationId, IEnumerable<(string Name, string Value)> info, IEnumerable<(string Name, string Value)> members)
    {
        var fields = info.ToDictionary(p => p.Name, p => p.Value, StringComparer.Ordinal);
        var kind = Field(fields, "kind") switch
        {
            "direct" => ConversationKind.Direct,
            "group" => ConversationKind.Group,
            var other => throw new InvalidDataException($"Unknown conversation kind '{other}'."),
        };

        var list = new List<(long Order, ConversationMember Member)>();
        foreach (var (userId, value) in members)
        {
            var parts = value.Split('|');
            if (parts.Length < 3 || !long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var order))
            {
                throw new InvalidDataException($"A member entry of conversation '{conversationId}' is malformed.");
            }

            var role = parts[1] == "admin" ? MemberRole.Admin : MemberRole.Member;
            list.Add((order, new ConversationMember(userId, role, StoredTime.FromTicks(parts[2]))));
        }

        list.Sort(static (a, b) => a.Order.CompareTo(b.Order));
        var conversation = new Conversation
        {
            Id = conversationId,
            Kind = kind,
            Name = fields.GetValueOrDefault("name"),
            Members = [.. list.Select(m => m.Member)],
            CreatedAt = StoredTime.FromTicks(Field(fields, "created")),
        };
        var lastSeq = long.Parse(Field(fields, "last_seq"), NumberStyles.None, CultureInfo.InvariantCulture);
        return new ConversationActivity(conversation, lastSeq, StoredTime.FromTicks(Field(fields, "activity")));
    }

    private static IEnumerable<(string Name, string Value)> ToPairs(RedisResult[] flat)
    {
        for (var i = 0; i + 1 < flat.Length; i += 2)
        {
            yield return ((string)flat[i]!, (string)flat[i + 1]!);
        }
    }

    private static string Field(Dictionary<string, string> fields, string name)
        => fields.TryGetValue(name, out var value) ? value : throw new InvalidDataException($"A conversation lacks its '{name}' field.");
}
