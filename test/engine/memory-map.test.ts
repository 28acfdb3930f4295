import { MemoryMapBroker } from '../../src/engine/memory/index.js';
import { runMapBrokerSuite } from './map-conformance.js';

runMapBrokerSuite('memory', {
  shared: false,
  make: async (clock) => {
    const broker = new MemoryMapBroker({ clock });
    return { broker, close: () => broker.close() };
  },
});
