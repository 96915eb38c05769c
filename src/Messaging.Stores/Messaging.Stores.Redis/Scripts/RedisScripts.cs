using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using StackExchange.Redis;

namespace Messaging.Stores.Redis;

/// <summary>The package's Lua scripts, embedded as resources (see each <c>.lua</c> file for its keys, arguments and reply).</summary>
/// <remarks>
/// Each script's SHA-1 is computed once when loaded. The first call on a multiplexer sends the text (<c>EVAL</c>,
/// which caches the script on the server); later calls are an <c>EVALSHA</c> of the digest, and a server that answers
/// <c>NOSCRIPT</c> (another cluster node, or a restart) gets the text again. Handing StackExchange.Redis the text on
/// every call instead costs a hash of the whole text per call in its script cache.
/// </remarks>
internal static class RedisScripts
{
    // Libraries: local functions put before the scripts that share them, so one piece of Lua is written once.
    private const string ReceiptMarks = "receipt_marks.lua";
    private const string ConversationActivity = "conversation_activity.lua";

    public static readonly RedisScript MessageAppend = Load("message_append.lua", ReceiptMarks, ConversationActivity);
    public static readonly RedisScript DeduplicationClaim = Load("dedup_claim.lua");
    public static readonly RedisScript DeduplicationRelease = Load("dedup_release.lua");
    public static readonly RedisScript SequencerNext = Load("sequencer_next.lua");
    public static readonly RedisScript SequencerFence = Load("sequencer_fence.lua");
    public static readonly RedisScript ConversationCreate = Load("conversation_create.lua");
    public static readonly RedisScript ConversationMember = Load("conversation_member.lua");
    public static readonly RedisScript ConversationDeparture = Load("conversation_departure.lua");
    public static readonly RedisScript ConversationTouch = Load("conversation_touch.lua", ConversationActivity);
    public static readonly RedisScript ConversationRead = Load("conversation_read.lua");
    public static readonly RedisScript ReceiptAdvance = Load("receipt_advance.lua", ReceiptMarks);
    public static readonly RedisScript PresenceTouch = Load("presence_touch.lua");
    public static readonly RedisScript PresenceExpire = Load("presence_expire.lua");
    public static readonly RedisScript ContactRecord = Load("contact_record.lua");
    public static readonly RedisScript MediaAdd = Load("media_add.lua");
    public static readonly RedisScript MediaUpdate = Load("media_update.lua");
    public static readonly RedisScript MediaShare = Load("media_share.lua");
    public static readonly RedisScript MediaRemove = Load("media_remove.lua");

    // The script, after the libraries it uses.
    private static RedisScript Load(string fileName, params string[] libraries)
    {
        var text = new StringBuilder();
        foreach (var library in libraries)
        {
            text.Append(Read(library)).Append('\n');
        }

        return new RedisScript(fileName, text.Append(Read(fileName)).ToString());
    }

    private static string Read(string fileName)
    {
        var name = "Messaging.Stores.Redis.Scripts." + fileName;
        using var stream = typeof(RedisScripts).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"The embedded script '{name}' is missing.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}

/// <summary>One embedded Lua script.</summary>
/// <param name="Name">The resource file name.</param>
/// <param name="Text">The script.</param>
internal sealed record RedisScript(string Name, string Text)
{
    // The multiplexers that ran the script by its text once: their servers have it cached (until a restart, which
    // NOSCRIPT reports).
    private readonly ConditionalWeakTable<IConnectionMultiplexer, object> _sent = [];

    /// <summary>The SHA-1 digest of the text, as <c>EVALSHA</c> names the script.</summary>
    public byte[] Hash { get; } = SHA1.HashData(Encoding.UTF8.GetBytes(Text));

    /// <summary>
    /// Runs the script: the first time on a multiplexer with <c>EVAL</c> of the text, then <c>EVALSHA</c>, and
    /// <c>EVAL</c> again when a server answers <c>NOSCRIPT</c>.
    /// </summary>
    /// <param name="database">Where to run it (a database, or a batch).</param>
    /// <param name="keys">The script's keys.</param>
    /// <param name="arguments">The script's arguments.</param>
    /// <param name="outsideBatch">
    /// Where the <c>EVAL</c> after a <c>NOSCRIPT</c> goes when <paramref name="database"/> is a batch (required then:
    /// a batch already sent would never send it).
    /// </param>
    /// <returns>The script's reply.</returns>
    public Task<RedisResult> EvaluateAsync(IDatabaseAsync database, RedisKey[] keys, RedisValue[] arguments, IDatabaseAsync? outsideBatch = null)
    {
        if (database is IBatch && (outsideBatch is null or IBatch))
        {
            throw new ArgumentException($"Running {Name} in a batch needs a database outside it for the EVAL of its text.", nameof(outsideBatch));
        }

        var multiplexer = database.Multiplexer;
        if (!_sent.TryGetValue(multiplexer, out _))
        {
            return SendTextAsync(database.ScriptEvaluateAsync(Text, keys, arguments), multiplexer);
        }

        return EvaluateByHashAsync(database.ScriptEvaluateAsync(Hash, keys, arguments), outsideBatch ?? database, keys, arguments);
    }

    private async Task<RedisResult> SendTextAsync(Task<RedisResult> byText, IConnectionMultiplexer multiplexer)
    {
        var result = await byText.ConfigureAwait(false);
        _sent.TryAdd(multiplexer, multiplexer);
        return result;
    }

    private async Task<RedisResult> EvaluateByHashAsync(Task<RedisResult> byHash, IDatabaseAsync fallback, RedisKey[] keys, RedisValue[] arguments)
    {
        try
        {
            return await byHash.ConfigureAwait(false);
        }
        catch (RedisServerException exception) when (exception.Message.StartsWith("NOSCRIPT", StringComparison.Ordinal))
        {
            return await fallback.ScriptEvaluateAsync(Text, keys, arguments).ConfigureAwait(false);
        }
    }
}
