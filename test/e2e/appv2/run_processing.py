# Drives AppV2's seed 004 code against a running TickStockPL: subscribe, trigger a run, wait for
# processing_completed, read status and history, then trigger a second run and cancel it.
# Prints one JSON document on stdout for the TypeScript test to check.
# usage: run_processing.py <gateway base url> <redis host> <redis port>
import json
import sys
import time

from seed004_appv2 import TickStockPLAPIClient, TickStockPLEventSubscriber


class RecordingSocketIO:
    """Stand-in for Flask-SocketIO: records what AppV2 would push to its admin page."""

    def __init__(self):
        self.emitted = []

    def emit(self, name, data, namespace=None):
        self.emitted.append({'name': name, 'data': data, 'namespace': namespace})


class RecordingSubscriber(TickStockPLEventSubscriber):
    """The seed's subscriber, also keeping every (channel, event) it routed, in arrival order."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.seen = []

    def _handle_event(self, channel, event):
        self.seen.append({'channel': channel, 'event': event.get('event'), 'payload': event.get('payload', {})})
        super()._handle_event(channel, event)

    # Routes the seed calls but does not define (AppV2 has them elsewhere).
    def _handle_indicator_event(self, event_type, payload):
        self.socketio.emit('indicator_event', {'type': event_type}, namespace='/admin')

    def _handle_pattern_event(self, event_type, payload):
        self.socketio.emit('pattern_event', {'type': event_type}, namespace='/admin')

    def _handle_error_event(self, payload):
        self.socketio.emit('error_event', payload, namespace='/admin')


def wait_for(predicate, timeout):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def main():
    base_url, redis_host, redis_port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    socketio = RecordingSocketIO()
    subscriber = RecordingSubscriber(socketio, {'host': redis_host, 'port': redis_port, 'decode_responses': True})
    subscriber.start()
    time.sleep(0.5)

    client = TickStockPLAPIClient(base_url)
    out = {'trigger': client.trigger_processing(skip_market_check=True)}
    run_id = out['trigger'].get('run_id')

    def finished(rid):
        return any(s['event'] in ('processing_completed', 'processing_failed', 'processing_cancelled')
                   and s['payload'].get('run_id') == rid for s in subscriber.seen)

    out['finished'] = wait_for(lambda: finished(run_id), 120)
    time.sleep(0.5)
    out['status_after'] = client.get_status()
    out['history'] = client.get_history(days=7)

    out['second_trigger'] = client.trigger_processing(skip_market_check=True)
    second = out['second_trigger'].get('run_id')
    out['status_during'] = client.get_status()
    out['cancel'] = client.cancel_processing()
    out['second_finished'] = wait_for(lambda: finished(second), 60)
    time.sleep(0.3)
    out['cancel_again'] = client.cancel_processing()
    out['seen'] = subscriber.seen
    out['emitted'] = socketio.emitted
    print(json.dumps(out))


if __name__ == '__main__':
    main()
