using System.Security.Cryptography;
using System.Text;

namespace Messaging.Transports.Kafka;

/// <summary>
/// Every Kafka name this package uses: the topic of each node's inbox and the group that holds its position, and the
/// event log's topic, its partition of a conversation and its readers' group id.
/// </summary>
/// <remarks>
/// <code>
/// &lt;prefix&gt;&lt;encoded nodeId&gt;     topic  the inbox of one gateway node; only partition 0 is written and read
/// &lt;prefix&gt;&lt;encoded nodeId&gt;     group  the consumer group whose committed offset of that partition is the node's position
/// messaging.events                  topic  the event log (configurable), keyed and partitioned by conversation id (murmur2)
/// messaging.events.reader           group  the id the event log's reads pass (assignment only, nothing committed)
/// </code>
/// Kafka topic names allow only <c>[A-Za-z0-9._-]</c> and at most 249 characters, while node ids are any string. The
/// encoding keeps ASCII letters, digits and <c>-</c>, and writes every other UTF-8 byte as <c>_</c> plus two upper-case
/// hex digits, so it is injective and never yields a <c>.</c> (Kafka refuses topics that differ only in <c>.</c>
/// versus <c>_</c>). A name that would be longer than 249 characters becomes the prefix, <c>_h</c> and the SHA-256 of
/// the node id in hex (no encoded id contains <c>_h</c>, since <c>h</c> is no hex digit).
/// </remarks>
internal static class KafkaNames
{
    /// <summary>The default prefix of every name.</summary>
    public const string DefaultPrefix = "messaging.node.";

    /// <summary>The longest topic name Kafka accepts.</summary>
    public const int MaxTopicLength = 249;

    /// <summary>The only partition of an inbox topic that carries payloads.</summary>
    public const int InboxPartition = 0;

    /// <summary>The inbox topic of a node.</summary>
    public static string NodeTopic(string prefix, string nodeId)
    {
        var name = new StringBuilder(prefix.Length + nodeId.Length);
        name.Append(prefix);
        foreach (var b in Encoding.UTF8.GetBytes(nodeId))
        {
            if (b is (>= (byte)'a' and <= (byte)'z') or (>= (byte)'A' and <= (byte)'Z') or (>= (byte)'0' and <= (byte)'9') or (byte)'-')
            {
                name.Append((char)b);
            }
            else
            {
                name.Append('_').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        return name.Length <= MaxTopicLength
            ? name.ToString()
            : prefix + "_h" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(nodeId)));
    }

    /// <summary>The default topic of the event log.</summary>
    public const string DefaultEventLogTopic = "messaging.events";

    /// <summary>The group id the event log's readers use (they only assign partitions: nothing is committed under it).</summary>
    public static string EventLogReaderGroup(string topic) => topic + ".reader";

    /// <summary>
    /// The partition of a conversation in the event log: Kafka's default partitioner for a keyed record (the Java
    /// client's <c>murmur2</c> of the key's UTF-8 bytes, made positive, modulo the partition count), so a Java or
    /// librdkafka producer using <c>murmur2</c> with the same key agrees.
    /// </summary>
    public static int EventLogPartition(string conversationId, int partitions)
        => (Murmur2(Encoding.UTF8.GetBytes(conversationId)) & 0x7fffffff) % partitions;

    /// <summary>Kafka's murmur2 (seed 0x9747b28c), as the Java client computes it.</summary>
    public static int Murmur2(ReadOnlySpan<byte> data)
    {
        const uint m = 0x5bd1e995;
        const int r = 24;
        var length = data.Length;
        var h = 0x9747b28c ^ (uint)length;
        var length4 = length / 4;
        for (var i = 0; i < length4; i++)
        {
            var i4 = i * 4;
            var k = data[i4] | ((uint)data[i4 + 1] << 8) | ((uint)data[i4 + 2] << 16) | ((uint)data[i4 + 3] << 24);
            k *= m;
            k ^= k >> r;
            k *= m;
            h *= m;
            h ^= k;
        }

        var tail = length & ~3;
        switch (length % 4)
        {
            case 3:
                h ^= (uint)data[tail + 2] << 16;
                h ^= (uint)data[tail + 1] << 8;
                h ^= data[tail];
                h *= m;
                break;
            case 2:
                h ^= (uint)data[tail + 1] << 8;
                h ^= data[tail];
                h *= m;
                break;
            case 1:
                h ^= data[tail];
                h *= m;
                break;
        }

        h ^= h >> 13;
        h *= m;
        h ^= h >> 15;
        return unchecked((int)h);
    }

    /// <summary>Null when a name can be a Kafka topic, else why not.</summary>
    public static string? ValidateTopic(string? topic, string property)
    {
        if (string.IsNullOrEmpty(topic) || topic.Length > MaxTopicLength || topic is "." or "..")
        {
            return $"{property} must be 1..{MaxTopicLength} characters (and not '.' or '..').";
        }

        foreach (var c in topic)
        {
            if (c is not ((>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '.' or '_' or '-'))
            {
                return $"{property} may contain only ASCII letters, digits, '.', '_' and '-'.";
            }
        }

        return null;
    }

    /// <summary>The consumer group that holds a node's committed position (the same text as its topic).</summary>
    public static string NodeGroup(string prefix, string nodeId) => NodeTopic(prefix, nodeId);

    /// <summary>Null when a prefix can start topic names, else why not.</summary>
    public static string? ValidatePrefix(string? prefix)
    {
        if (string.IsNullOrEmpty(prefix))
        {
            return "TopicPrefix must not be empty.";
        }

        // Room for the hashed form: the prefix, "_h" and 64 hex digits.
        if (prefix.Length > MaxTopicLength - 66)
        {
            return $"TopicPrefix must be at most {MaxTopicLength - 66} characters.";
        }

        foreach (var c in prefix)
        {
            if (c is not ((>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '.' or '-'))
            {
                return "TopicPrefix may contain only ASCII letters, digits, '.' and '-' ('_' is the escape of node ids).";
            }
        }

        return null;
    }
}
