using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;

namespace Messaging;

/// <summary>
/// The default <see cref="IBlobStore"/>: files under one root folder, for a single node (or a shared volume).
/// </summary>
/// <remarks>
/// Layout per blob id: <c>{id}.upload</c> (bytes of an open upload, its length is the offset) with
/// <c>{id}.length</c> (the declared length, decimal text); on completion the bytes move to <c>{id}.blob</c> and the
/// length file is removed. An append holds the upload file exclusively, so a second concurrent append is a conflict.
/// </remarks>
public sealed class FileSystemBlobStore : IBlobStore
{
    private const int CopyBufferSize = 81_920;
    private readonly string _root;

    /// <summary>Creates the store, creating the root folder when missing.</summary>
    /// <param name="options">The options.</param>
    public FileSystemBlobStore(FileSystemBlobStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.RootPath);
        _root = Path.GetFullPath(options.RootPath);
        Directory.CreateDirectory(_root);
    }

    /// <summary>The absolute root folder.</summary>
    public string RootPath => _root;

    /// <inheritdoc />
    public async ValueTask CreateAsync(string blobId, long length, string contentType, CancellationToken cancellationToken = default)
    {
        BlobIds.Require(blobId);
        ArgumentOutOfRangeException.ThrowIfLessThan(length, 1);
        await File.WriteAllTextAsync(PathOf(blobId, ".length"), length.ToString(CultureInfo.InvariantCulture), cancellationToken).ConfigureAwait(false);
        await using (new FileStream(PathOf(blobId, ".upload"), FileMode.CreateNew, FileAccess.Write).ConfigureAwait(false))
        {
            // Created empty: the offset is the file's length.
        }
    }

    /// <inheritdoc />
    public async ValueTask<BlobUploadState?> GetStateAsync(string blobId, CancellationToken cancellationToken = default)
    {
        if (!BlobIds.IsValid(blobId))
        {
            return null;
        }

        var blob = new FileInfo(PathOf(blobId, ".blob"));
        if (blob.Exists)
        {
            return new BlobUploadState(blob.Length, blob.Length, Completed: true);
        }

        var length = await ReadDeclaredLengthAsync(blobId, cancellationToken).ConfigureAwait(false);
        var upload = new FileInfo(PathOf(blobId, ".upload"));
        return length is { } declared && upload.Exists ? new BlobUploadState(declared, upload.Length, Completed: false) : null;
    }

    /// <inheritdoc />
    public async ValueTask<long> AppendAsync(string blobId, long offset, Stream content, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        var state = await GetStateAsync(blobId, cancellationToken).ConfigureAwait(false) ?? throw new MessagingNotFoundException("Upload not found.");
        if (state.Completed || state.Offset != offset)
        {
            throw new MediaOffsetConflictException(state.Offset, $"The upload is at offset {state.Offset}.");
        }

        FileStream file;
        try
        {
            file = new FileStream(PathOf(blobId, ".upload"), FileMode.Open, FileAccess.ReadWrite, FileShare.None, bufferSize: 1, FileOptions.Asynchronous);
        }
        catch (IOException exception) when (exception is not FileNotFoundException)
        {
            throw new MediaOffsetConflictException(-1, "Another append to this upload is in progress.");
        }

        await using (file.ConfigureAwait(false))
        {
            if (file.Length != offset)
            {
                throw new MediaOffsetConflictException(file.Length, $"The upload is at offset {file.Length}.");
            }

            file.Seek(offset, SeekOrigin.Begin);
            var remaining = state.Length - offset;
            var buffer = ArrayPool<byte>.Shared.Rent(CopyBufferSize);
            try
            {
                long written = 0;
                int read;
                while ((read = await content.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
                {
                    if (written + read > remaining)
                    {
                        // Nothing of an overrunning chunk is kept.
                        file.SetLength(offset);
                        throw new MediaLengthExceededException($"The chunk goes past the declared length of {state.Length} bytes.");
                    }

                    // Bytes written before a failing read stay: the client resumes after them.
                    await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                    written += read;
                }

                return offset + written;
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }

    /// <inheritdoc />
    public async ValueTask<string> CompleteAsync(string blobId, CancellationToken cancellationToken = default)
    {
        var state = await GetStateAsync(blobId, cancellationToken).ConfigureAwait(false) ?? throw new MessagingNotFoundException("Upload not found.");
        if (!state.Completed)
        {
            if (state.Offset != state.Length)
            {
                throw new MediaOffsetConflictException(state.Offset, $"Only {state.Offset} of {state.Length} bytes are stored.");
            }

            File.Move(PathOf(blobId, ".upload"), PathOf(blobId, ".blob"));
            File.Delete(PathOf(blobId, ".length"));
        }

        var stream = new FileStream(PathOf(blobId, ".blob"), FileMode.Open, FileAccess.Read, FileShare.Read, CopyBufferSize, FileOptions.Asynchronous | FileOptions.SequentialScan);
        await using (stream.ConfigureAwait(false))
        {
            return Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellationToken).ConfigureAwait(false));
        }
    }

    /// <inheritdoc />
    public ValueTask<Stream?> OpenReadAsync(string blobId, long offset = 0, long? count = null, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        if (count is { } requested)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(requested, nameof(count));
        }

        if (!BlobIds.IsValid(blobId))
        {
            return ValueTask.FromResult<Stream?>(null);
        }

        FileStream stream;
        try
        {
            stream = new FileStream(PathOf(blobId, ".blob"), FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, CopyBufferSize, FileOptions.Asynchronous);
        }
        catch (FileNotFoundException)
        {
            return ValueTask.FromResult<Stream?>(null);
        }

        if (offset > stream.Length)
        {
            stream.Dispose();
            throw new ArgumentOutOfRangeException(nameof(offset), "The offset is past the end of the blob.");
        }

        stream.Seek(offset, SeekOrigin.Begin);
        var available = stream.Length - offset;
        return ValueTask.FromResult<Stream?>(new BoundedReadStream(stream, Math.Min(available, count ?? available)));
    }

    /// <inheritdoc />
    public ValueTask<bool> DeleteAsync(string blobId, CancellationToken cancellationToken = default)
    {
        if (!BlobIds.IsValid(blobId))
        {
            return ValueTask.FromResult(false);
        }

        var existed = false;
        foreach (var suffix in (ReadOnlySpan<string>)[".upload", ".length", ".blob"])
        {
            var path = PathOf(blobId, suffix);
            if (File.Exists(path))
            {
                File.Delete(path);
                existed = true;
            }
        }

        return ValueTask.FromResult(existed);
    }

    private async ValueTask<long?> ReadDeclaredLengthAsync(string blobId, CancellationToken cancellationToken)
    {
        try
        {
            var text = await File.ReadAllTextAsync(PathOf(blobId, ".length"), cancellationToken).ConfigureAwait(false);
            return long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var length) ? length : null;
        }
        catch (FileNotFoundException)
        {
            return null;
        }
    }

    // The only place a path is formed: the root, a validated generated id and a fixed suffix.
    private string PathOf(string blobId, string suffix) => Path.Combine(_root, BlobIds.Require(blobId) + suffix);
}
