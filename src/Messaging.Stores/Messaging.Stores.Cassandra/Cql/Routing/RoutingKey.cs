using System.Buffers.Binary;

namespace Messaging.Stores.Cassandra.Cql.Routing;

/// <summary>
/// The bytes a partition key is hashed from: a one-column key's value as it is; a composite key's values each written as
/// a two-byte big-endian length, the value and a zero byte (Cassandra's <c>CompositeType</c>).
/// </summary>
internal static class RoutingKey
{
    /// <summary>The routing key of a prepared statement's bound values, or <see langword="null"/> when it has none.</summary>
    /// <param name="partitionKeyIndexes">The bind markers of the partition key columns, in key order (the PREPARED result's).</param>
    /// <param name="values">The encoded values bound to the statement.</param>
    /// <returns>The key; <see langword="null"/> when the statement names no partition key, a value is missing or null, or a value is too long to be one.</returns>
    public static byte[]? Of(IReadOnlyList<ushort> partitionKeyIndexes, IReadOnlyList<byte[]?> values)
    {
        if (partitionKeyIndexes.Count == 0)
        {
            return null;
        }

        if (partitionKeyIndexes.Count == 1)
        {
            return partitionKeyIndexes[0] < values.Count ? values[partitionKeyIndexes[0]] : null;
        }

        var length = 0;
        foreach (var index in partitionKeyIndexes)
        {
            if (index >= values.Count || values[index] is not { Length: <= ushort.MaxValue } value)
            {
                return null;
            }

            length += 2 + value.Length + 1;
        }

        var key = new byte[length];
        var at = 0;
        foreach (var index in partitionKeyIndexes)
        {
            var value = values[index]!;
            BinaryPrimitives.WriteUInt16BigEndian(key.AsSpan(at), (ushort)value.Length);
            value.CopyTo(key, at + 2);
            at += 2 + value.Length + 1;
        }

        return key;
    }
}
