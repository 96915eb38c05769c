using System.Security.Cryptography;
using System.Text;

namespace Messaging.Transports.Kafka;

/// <summary>Every Kafka name this package uses: the topic of each node's inbox and the group that holds its position.</summary>
/// <remarks>
/// <code>
/// &lt;prefix&gt;&lt;encoded nodeId&gt;     topic  the inbox of one gateway node; only partition 0 is written and read
/// &lt;prefix&gt;&lt;encoded nodeId&gt;     group  the consumer group whose committed offset of that partition is the node's position
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
