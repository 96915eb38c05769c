using System.Collections;
using System.Text.Json.Nodes;
using Messaging.Stores.Cassandra.Cql.Protocol;

namespace Messaging.Cassandra.Tests;

/// <summary>
/// One JSON form of CQL types and values that both this test and the Node script write and compare: text as a string,
/// int as a number, bigint and counter as decimal strings, timestamp as epoch milliseconds, uuid in its 8-4-4-4-12
/// form, blob as lower-case hex, list and set as arrays, map as an array of [key, value] pairs.
/// </summary>
internal static class Canonical
{
    public static JsonNode Type(CqlType type) => type.Code switch
    {
        CqlTypeCode.List or CqlTypeCode.Set => new JsonObject { ["code"] = (int)type.Code, ["info"] = Type(type.Element!) },
        CqlTypeCode.Map => new JsonObject { ["code"] = (int)type.Code, ["info"] = new JsonArray(Type(type.Element!), Type(type.Value!)) },
        _ => new JsonObject { ["code"] = (int)type.Code },
    };

    public static JsonNode? Value(CqlType type, object? value)
    {
        if (value is null)
        {
            return null;
        }

        return type.Code switch
        {
            CqlTypeCode.Ascii or CqlTypeCode.Varchar => JsonValue.Create((string)value),
            CqlTypeCode.Int => JsonValue.Create((int)value),
            CqlTypeCode.Bigint or CqlTypeCode.Counter => JsonValue.Create(((long)value).ToString(System.Globalization.CultureInfo.InvariantCulture)),
            CqlTypeCode.Boolean => JsonValue.Create((bool)value),
            CqlTypeCode.Timestamp => JsonValue.Create(((DateTimeOffset)value).ToUnixTimeMilliseconds()),
            CqlTypeCode.Uuid or CqlTypeCode.Timeuuid => JsonValue.Create(((Guid)value).ToString("D")),
            CqlTypeCode.Blob => JsonValue.Create(Convert.ToHexStringLower((byte[])value)),
            CqlTypeCode.List or CqlTypeCode.Set => new JsonArray([.. ((IEnumerable)value).Cast<object?>().Select(e => Value(type.Element!, e))]),
            CqlTypeCode.Map => new JsonArray([.. ((IEnumerable<KeyValuePair<object?, object?>>)value).Select(p => (JsonNode)new JsonArray(Value(type.Element!, p.Key), Value(type.Value!, p.Value)))]),
            _ => throw new ArgumentException($"No canonical form for {type}."),
        };
    }

    public static string Text(CqlType type, object? value) => Value(type, value)?.ToJsonString() ?? "null";

    public static string Hex(byte[]? bytes) => bytes is null ? "null" : Convert.ToHexStringLower(bytes);
}
