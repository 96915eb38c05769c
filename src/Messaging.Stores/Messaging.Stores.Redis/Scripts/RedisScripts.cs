using StackExchange.Redis;

namespace Messaging.Stores.Redis;

/// <summary>The package's Lua scripts, embedded as resources (see each <c>.lua</c> file for its keys, arguments and reply).</summary>
/// <remarks>
/// Scripts are sent as text; StackExchange.Redis caches their SHA-1 and sends <c>EVALSHA</c> after the first call,
/// re-sending the text when a server answers <c>NOSCRIPT</c> (for example after a restart).
/// </remarks>
internal static class RedisScripts
{
    public static readonly RedisScript MessageAppend = Load("message_append.lua");
    public static readonly RedisScript DeduplicationClaim = Load("dedup_claim.lua");
    public static readonly RedisScript DeduplicationRelease = Load("dedup_release.lua");
    public static readonly RedisScript SequencerNext = Load("sequencer_next.lua");
    public static readonly RedisScript SequencerFence = Load("sequencer_fence.lua");
    public static readonly RedisScript ConversationCreate = Load("conversation_create.lua");
    public static readonly RedisScript ConversationMember = Load("conversation_member.lua");
    public static readonly RedisScript ConversationDeparture = Load("conversation_departure.lua");
    public static readonly RedisScript ConversationTouch = Load("conversation_touch.lua");
    public static readonly RedisScript ConversationRead = Load("conversation_read.lua");
    public static readonly RedisScript ReceiptAdvance = Load("receipt_advance.lua");
    public static readonly RedisScript PresenceTouch = Load("presence_touch.lua");
    public static readonly RedisScript PresenceExpire = Load("presence_expire.lua");
    public static readonly RedisScript ContactRecord = Load("contact_record.lua");
    public static readonly RedisScript MediaAdd = Load("media_add.lua");
    public static readonly RedisScript MediaUpdate = Load("media_update.lua");
    public static readonly RedisScript MediaShare = Load("media_share.lua");
    public static readonly RedisScript MediaRemove = Load("media_remove.lua");

    private static RedisScript Load(string fileName)
    {
        var name = "Messaging.Stores.Redis.Scripts." + fileName;
        using var stream = typeof(RedisScripts).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"The embedded script '{name}' is missing.");
        using var reader = new StreamReader(stream);
        return new RedisScript(fileName, reader.ReadToEnd());
    }
}

/// <summary>One embedded Lua script.</summary>
/// <param name="Name">The resource file name.</param>
/// <param name="Text">The script.</param>
internal sealed record RedisScript(string Name, string Text)
{
    public Task<RedisResult> EvaluateAsync(IDatabaseAsync database, RedisKey[] keys, RedisValue[] arguments)
        => database.ScriptEvaluateAsync(Text, keys, arguments);
}
