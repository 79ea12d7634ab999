// Worker-thread side of validation and calibration: predict batches of measured rows.
import { serveTasks } from './serve.ts';
import type { MeasuredRow } from '../../devices/validation/measured.ts';
import { predictRow, type Efficiency, type Prediction } from '../../devices/validation/predict.ts';

serveTasks((task: { row: MeasuredRow; efficiency?: Efficiency; overrides?: Record<string, unknown>; choice?: boolean }): Prediction =>
  predictRow(task.row, task.efficiency, task.overrides, task.choice ?? false),
);
