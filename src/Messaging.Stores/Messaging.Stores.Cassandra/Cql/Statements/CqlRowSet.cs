using Messaging.Stores.Cassandra.Cql.Protocol;

namespace Messaging.Stores.Cassandra.Cql.Statements;

/// <summary>One page of rows, with the paging state that fetches the next page (<see langword="null"/> on the last).</summary>
internal sealed class CqlRowSet
{
    public static readonly CqlRowSet Empty = new([], [], null);

    public CqlRowSet(IReadOnlyList<CqlColumn> columns, IReadOnlyList<CqlRow> rows, byte[]? pagingState)
    {
        Columns = columns;
        Rows = rows;
        PagingState = pagingState;
    }

    public IReadOnlyList<CqlColumn> Columns { get; }

    public IReadOnlyList<CqlRow> Rows { get; }

    public byte[]? PagingState { get; }

    internal static CqlRowSet From(RowsResult rows, CqlRowsMetadata? known)
    {
        var columns = rows.Metadata.Columns ?? known?.Columns
            ?? throw new CassandraException(CassandraErrorKind.ProtocolError, "A Rows result came without metadata for a statement whose columns are not known.");
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < columns.Count; i++)
        {
            index.TryAdd(columns[i].Name, i);
        }

        var list = new CqlRow[rows.Rows.Count];
        for (var r = 0; r < list.Length; r++)
        {
            var raw = rows.Rows[r];
            var values = new object?[raw.Count];
            for (var c = 0; c < values.Length; c++)
            {
                values[c] = raw[c] is { } bytes ? CqlValueCodec.Decode(columns[c].Type, bytes) : null;
            }

            list[r] = new CqlRow(values, index);
        }

        return new CqlRowSet(columns, list, rows.Metadata.PagingState);
    }
}

/// <summary>A row's decoded values, by position or column name.</summary>
internal sealed class CqlRow
{
    private readonly object?[] _values;
    private readonly Dictionary<string, int> _index;

    public CqlRow(object?[] values, Dictionary<string, int> index)
    {
        _values = values;
        _index = index;
    }

    public int Count => _values.Length;

    public object? this[int index] => _values[index];

    public object? this[string column] => _values[_index.TryGetValue(column, out var i) ? i : throw new KeyNotFoundException($"The row has no column {column}.")];

    public bool Has(string column) => _index.ContainsKey(column);

    public T Get<T>(string column) => this[column] is T value ? value : throw new InvalidCastException($"Column {column} is not a {typeof(T).Name}.");
}
