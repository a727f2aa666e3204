"""pandas conversions of ``history`` and ``instruments`` answers, as the official client makes
them. Without pandas the answers are returned as dicts."""


def _pandas():
    """pandas, imported on first use (it is optional, and importing it starts numpy's thread
    pool, which would slow every other call of a process that never asks for a DataFrame)."""
    try:
        import pandas
    except ImportError:  # pragma: no cover - exercised only without pandas
        return None
    return pandas


_DAILY = ("D", "W", "M")


def history_frame(result, interval):
    """A DataFrame indexed by timestamp (tz-aware IST for intraday intervals), sorted and
    de-duplicated; the error dict on failure; the dict itself without pandas."""
    _pd = _pandas()
    if _pd is None or not isinstance(result, dict):
        return result
    if result.get("status") != "success" or "data" not in result:
        return result
    try:
        df = _pd.DataFrame(result["data"])
        if df.empty:
            return {
                "status": "error",
                "message": "No data available for the specified period",
                "error_type": "no_data",
            }
        df["timestamp"] = _pd.to_datetime(df["timestamp"], unit="s")
        if interval not in _DAILY:
            df["timestamp"] = df["timestamp"].dt.tz_localize("UTC").dt.tz_convert("Asia/Kolkata")
        df = df.set_index("timestamp").sort_index()
        return df[~df.index.duplicated(keep="first")]
    except Exception as e:  # same fallback as the official client
        return {
            "status": "error",
            "message": f"Failed to process historical data: {e}",
            "error_type": "processing_error",
            "raw_data": result["data"],
        }


def instruments_frame(results, single):
    """One exchange: its DataFrame or error dict. All exchanges: the non-empty successes
    concatenated, or an error dict when none answered."""
    _pd = _pandas()
    if _pd is None:
        return results[0] if single else results
    frames = []
    for result in results:
        if not (isinstance(result, dict) and result.get("status") == "success" and "data" in result):
            if single:
                return result
            continue
        try:
            df = _pd.DataFrame(result["data"])
        except Exception as e:
            if single:
                return {
                    "status": "error",
                    "message": f"Failed to process instruments data: {e}",
                    "error_type": "processing_error",
                    "raw_data": result["data"],
                }
            continue
        if df.empty:
            if single:
                return {
                    "status": "error",
                    "message": "No instruments available for the specified exchange",
                    "error_type": "no_data",
                }
            continue
        frames.append(df)
    if frames:
        return frames[0] if single else _pd.concat(frames, ignore_index=True)
    return {
        "status": "error",
        "message": "Failed to fetch instruments from any exchange",
        "error_type": "no_data",
    }
