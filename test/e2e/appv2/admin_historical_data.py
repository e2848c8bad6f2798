import requests
from flask import current_app

def trigger_cache_sync_tickstockpl(mode='full', force=False):
    """
    Trigger cache synchronization in TickStockPL.

    Args:
        mode: Sync mode - 'full', 'market_cap', 'themes', or 'ipos'
        force: Skip validation checks if True

    Returns:
        dict: Response from TickStockPL API
    """
    try:
        # Get configuration
        tickstockpl_host = current_app.config.get('TICKSTOCKPL_HOST', 'localhost')
        tickstockpl_port = current_app.config.get('TICKSTOCKPL_PORT', 8080)
        api_key = current_app.config.get('TICKSTOCKPL_API_KEY', 'tickstock-cache-sync-2025')

        # Make API call
        response = requests.post(
            f'http://{tickstockpl_host}:{tickstockpl_port}/api/processing/cache-sync/trigger',
            headers={'X-API-Key': api_key},
            json={'mode': mode, 'force': force},
            timeout=10
        )

        if response.status_code == 202:
            result = response.json()

            # Store job ID for status tracking
            session['cache_sync_job_id'] = result.get('job_id')

            return {
                'success': True,
                'message': f'Cache sync triggered successfully',
                'job_id': result.get('job_id')
            }
        else:
            return {
                'success': False,
                'message': f'Failed to trigger cache sync: {response.status_code}'
            }

    except requests.exceptions.RequestException as e:
        logger.error(f"Failed to call TickStockPL API: {e}")
        return {
            'success': False,
            'message': f'API call failed: {str(e)}'
        }

def get_cache_sync_status(job_id):
    """
    Get cache sync job status from TickStockPL.

    Args:
        job_id: The job ID to check

    Returns:
        dict: Job status information
    """
    try:
        tickstockpl_host = current_app.config.get('TICKSTOCKPL_HOST', 'localhost')
        tickstockpl_port = current_app.config.get('TICKSTOCKPL_PORT', 8080)
        api_key = current_app.config.get('TICKSTOCKPL_API_KEY', 'tickstock-cache-sync-2025')

        response = requests.get(
            f'http://{tickstockpl_host}:{tickstockpl_port}/api/processing/cache-sync/status/{job_id}',
            headers={'X-API-Key': api_key},
            timeout=5
        )

        if response.status_code == 200:
            return response.json()
        else:
            return None

    except requests.exceptions.RequestException:
        return None

# Update the admin route (replace lines 645-685)
@admin_bp.route('/admin/trigger-cache-sync', methods=['POST'])
@require_admin
def trigger_cache_sync():
    """Trigger cache synchronization via TickStockPL API."""
    mode = request.json.get('mode', 'full')
    force = request.json.get('force', False)

    result = trigger_cache_sync_tickstockpl(mode, force)

    if result['success']:
        return jsonify(result), 200
    else:
        return jsonify(result), 500
